import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a TLS handshake failed, in words: libmosquitto reports every failure as one `MOSQ_ERR_TLS`, so this asks
/// OpenSSL for its verdict on the broker's certificate (`SSL_get_verify_result` on the handshake's `SSL`).
///
/// libmosquitto links OpenSSL, so the two OpenSSL functions are looked up at run time rather than linked here;
/// without them the reason is only less specific.
enum TLSDiagnosis {
    private typealias VerifyResult = @convention(c) (UnsafeMutableRawPointer?) -> Int
    private typealias ErrorString = @convention(c) (Int) -> UnsafePointer<CChar>?

    private static let functions: (VerifyResult, ErrorString)? = {
        guard let result = dlsym(nil, "SSL_get_verify_result"), let text = dlsym(nil, "X509_verify_cert_error_string")
        else { return nil }
        return (unsafeBitCast(result, to: VerifyResult.self), unsafeBitCast(text, to: ErrorString.self))
    }()

    /// OpenSSL's verification result for the handshake in progress, while libmosquitto still holds its `SSL`
    /// (it frees it before `mosquitto_loop_read` returns the error, so this is also read from the log callback).
    static func verifyResult(_ handle: OpaquePointer) -> Int? {
        guard let (verifyResult, _) = functions, let ssl = mosquitto_ssl_get(handle) else { return nil }
        return verifyResult(ssl)
    }

    /// The reason for a failed handshake with `host`, from OpenSSL's `verifyResult` and libmosquitto's error log
    /// lines of the attempt.
    static func reason(host: String, caFile: String, verifyResult code: Int?, libraryErrors: [String]) -> String {
        let generic = "the TLS handshake with \(host) failed"
        // libmosquitto checks the host name itself, after OpenSSL accepted the chain, and only logs the failure.
        if libraryErrors.contains(where: { $0.contains("host name verification failed") }) {
            return "\(generic): the broker's certificate is not valid for the host name \"\(host)\""
        }
        guard let code, let (_, errorString) = functions else {
            return "\(generic) (check the CA file, the broker's certificate and its host name)"
        }
        let ca = caFile.isEmpty ? "the system's CA certificates" : "the CA file \(caFile)"
        switch code {
        case 0:  // X509_V_OK: the certificate was fine; the failure was elsewhere (protocol, cipher, client cert).
            return "\(generic) (not a certificate problem: check the TLS version, the port and any client certificate)"
        case 9:
            return "\(generic): the broker's certificate is not yet valid (check the clocks)"
        case 10:
            return "\(generic): the broker's certificate has expired"
        case 2, 18, 19, 20, 21:
            return "\(generic): the broker's certificate is not signed by \(ca)"
        case 62:
            return "\(generic): the broker's certificate is not valid for the host name \"\(host)\""
        default:
            let text = errorString(code).map { String(cString: $0) } ?? "error \(code)"
            return "\(generic): certificate verification failed: \(text)"
        }
    }
}
