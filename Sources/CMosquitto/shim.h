#ifndef TWIND_CMOSQUITTO_SHIM_H
#define TWIND_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
