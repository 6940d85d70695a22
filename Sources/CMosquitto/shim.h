#ifndef TWIND_CMOSQUITTO_SHIM_H
#define TWIND_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
