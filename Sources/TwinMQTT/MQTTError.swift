/// The one error type of TwinMQTT: what failed, in a sentence, with a code to match on.
///
/// Never carries a password or a payload.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, library, connectionFailed, connectionRefused, timeout, notConnected
            case alreadyRunning
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The configuration (URL, options, TLS files) cannot be used.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// libmosquitto refused a call.
        public static let library = Code(.library)
        /// The network connection to the broker failed or was lost.
        public static let connectionFailed = Code(.connectionFailed)
        /// The broker answered the CONNECT with a refusal (bad credentials, not authorised, …).
        public static let connectionRefused = Code(.connectionRefused)
        /// A deadline passed.
        public static let timeout = Code(.timeout)
        /// The operation needs a connection that is not there.
        public static let notConnected = Code(.notConnected)
        /// `run` was called while another `run` of the same client was going on, or after it ended.
        public static let alreadyRunning = Code(.alreadyRunning)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A sentence saying what failed.
    public var message: String
    /// libmosquitto's or the broker's own words, when there are any.
    public var reason: String?

    public init(_ code: Code, _ message: String, reason: String? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
    }

    public var description: String {
        guard let reason else { return "MQTT error (\(code)): \(message)" }
        return "MQTT error (\(code)): \(message): \(reason)"
    }
}
