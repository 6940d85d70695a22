import Foundation
import Logging

enum LoggingSetup {
    /// Logs go to stderr, one line per event, so journald and pipes both take them as they are.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func level(_ text: String) -> Logger.Level {
        Logger.Level(rawValue: text) ?? .info
    }
}
