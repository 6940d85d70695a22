import Foundation
import Logging
import TwinDaemon

enum LoggingSetup {
    /// Logs go to stderr, one line per event, so journald and pipes both take them as they are; under systemd
    /// (stderr is `$JOURNAL_STREAM`) each line starts with its syslog priority `<N>` instead of a timestamp.
    static func bootstrap(level: Logger.Level) {
        if JournalLogHandler.isStandardErrorJournal(environment: ProcessInfo.processInfo.environment) {
            LoggingSystem.bootstrap { label in
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            return
        }
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
