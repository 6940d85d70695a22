// Test support: real mosquitto broker harness
