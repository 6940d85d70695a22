import CMosquitto

/// libmosquitto calls shared by the ingest client and the publisher.
///
/// `mosquitto_new` sets SIGPIPE to SIG_IGN for the whole process (verified on 2.0.11); libmosquitto writes with
/// `write(2)`, not `send(…, MSG_NOSIGNAL)`, so a write to a closed connection returns EPIPE instead of killing us.
enum Mosquitto {
    /// `mosquitto_lib_init` runs once per process, on first use.
    private static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    /// A new handle configured from `configuration`, with `owner` as the `obj` the callbacks receive.
    static func makeHandle(_ configuration: MQTTConfiguration, owner: UnsafeMutableRawPointer?) throws(MQTTError)
        -> OpaquePointer
    {
        _ = initialized
        try configuration.validate()
        guard let handle = mosquitto_new(configuration.clientID.isEmpty ? nil : configuration.clientID,
                                         configuration.cleanSession, owner)
        else {
            throw MQTTError(.library, "libmosquitto could not create a client for \(configuration.url)",
                            reason: "out of memory or invalid client id")
        }
        do throws(MQTTError) {
            try configure(handle, configuration)
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
        return handle
    }

    private static func configure(_ handle: OpaquePointer, _ configuration: MQTTConfiguration) throws(MQTTError) {
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, version), "setting the protocol version")
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "setting TCP_NODELAY")
        if let username = configuration.username {
            try check(mosquitto_username_pw_set(handle, username, configuration.password), "setting the username")
        }
        if let tls = configuration.tls {
            let what = "setting up TLS with CA file \"\(tls.caFile)\""
            if tls.caFile.isEmpty {
                try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), what)
            } else {
                try check(mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil), what)
            }
            try check(mosquitto_tls_insecure_set(handle, tls.insecureSkipHostnameCheck), what)
        }
    }

    /// Throws for any return code other than `MOSQ_ERR_SUCCESS`.
    static func check(_ rc: Int32, _ action: String) throws(MQTTError) {
        guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
        throw MQTTError(.library, "libmosquitto failed \(action)", reason: errorString(rc))
    }

    /// libmosquitto's text for a return code; for `MOSQ_ERR_ERRNO` the system's text for `errno`.
    static func errorString(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue {
            return String(cString: strerror(errno))
        }
        if rc == MOSQ_ERR_TLS.rawValue {
            return "the TLS handshake failed (check the CA file, the broker's certificate and its host name)"
        }
        return String(cString: mosquitto_strerror(rc))
    }

    /// The broker's reason for refusing a CONNECT, in words.
    static func connackString(_ code: Int32, version: MQTTConfiguration.ProtocolVersion) -> String {
        String(cString: version == .v5 ? mosquitto_reason_string(code) : mosquitto_connack_string(code))
    }

    /// Connects without waiting for the TCP handshake where libmosquitto allows it. For MQTT 5 the CONNECT must
    /// carry a session expiry interval, or the broker ends the session on disconnect; libmosquitto only takes
    /// CONNECT properties in the blocking `mosquitto_connect_bind_v5`, and keeps them for later reconnects.
    static func startConnect(_ handle: OpaquePointer, _ configuration: MQTTConfiguration, first: Bool) -> Int32 {
        guard first else { return mosquitto_reconnect_async(handle) }
        let keepAlive = Int32(configuration.keepAlive)
        guard configuration.protocolVersion == .v5 && !configuration.cleanSession else {
            return mosquitto_connect_async(handle, configuration.host, Int32(configuration.port), keepAlive)
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        let rc = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                                              UInt32.max)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { return rc }
        return mosquitto_connect_bind_v5(handle, configuration.host, Int32(configuration.port), keepAlive, nil,
                                         properties)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix time in milliseconds.
func unixMillis() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// A monotonic clock reading in milliseconds, for deadlines.
func monotonicMillis() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
