import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon
import TwinStore

/// `twind import`: historical readings from a CSV or JSONL file into the database, without MQTT.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import historical readings from a CSV or JSONL file (or - for stdin) into the database.",
        discussion: """
            Each row gives an asset, a time and one or more metric values. Every other column holding numbers in \
            the first data row is a metric unless --metrics lists them; empty fields and NA, N/A, null, none, - \
            are missing values. The delimiter is guessed from the first line (',', ';', tab, else runs of \
            spaces) unless given.

            Importing is idempotent like live ingest: a reading already stored at the same (asset, metric, time) \
            is skipped and counted as a duplicate, so importing a file twice adds nothing. A bad row (wrong \
            number of fields, a value that is not a number, a bad time or asset) is counted, the first ones are \
            printed with their line number, and each is stored in the quarantine (topic import:<file>:<line>; \
            see `twind query quarantine`). --strict stops at the first one instead, with exit status 1.

            Times (--time-unit): auto reads numbers below 1e11 as Unix seconds, larger ones as Unix milliseconds, \
            and text as RFC 3339 (2026-11-25T10:00:00Z); s, ms, us and ns read numbers in that unit; rfc3339 \
            reads text only. With --start-time T numbers count from T instead of 1970 (cycle 7 with --time-unit s \
            is T + 7 s).

            Examples:
              twind import --db twind.sqlite history.csv
                (a header naming asset, ts and metric columns)
              twind import --db twind.sqlite rig.csv --asset-column unit \\
                --time-column ts --metrics s2,s3,s4
              twind import --db twind.sqlite pump-17.csv --asset pump-17 \\
                --time-column time --utc
              twind import --db twind.sqlite train_FD001.txt --no-header \\
                --columns unit,cycle,setting1..setting3,s1..s21 \\
                --asset-column unit --asset-prefix engine- --asset-digits 3 \\
                --time-column cycle --time-unit s \\
                --start-time 2026-01-01T00:00:00Z --failure-at-end
                (NASA C-MAPSS: engine-001 …, one second per cycle, a failure
                event at each engine's last cycle)
              zcat export.jsonl.gz | twind import --db twind.sqlite --format jsonl -
                (lines like {"asset":"p1","ts":1764064800000,"temp":71.5}
                or {"asset":"p1","ts":"2025-11-25T10:00:00Z","metric":"temp","value":71.5})
            """)

    @Argument(help: "The file to import, or - for standard input.")
    var file: String

    @Option(name: .long, help: "The database file (created if missing).")
    var db = "/var/lib/twind/twind.sqlite"
    @Option(name: .long, help: "csv or jsonl (default: jsonl for .jsonl and .ndjson files, else csv).")
    var format: String?

    @Option(name: .long, help: ArgumentHelp("The column holding the asset id: a name or a number from 1.",
                                            valueName: "column"))
    var assetColumn: String?
    @Option(name: .long, help: "The asset of every row, for a file of one asset.")
    var asset: String?
    @Option(name: .long, help: ArgumentHelp("Put before every asset id from the file, e.g. engine-.",
                                            valueName: "text"))
    var assetPrefix = ""
    @Option(name: .long, help: ArgumentHelp("Zero-pad numeric asset ids to this many digits (3: 7 → 007).",
                                            valueName: "n"))
    var assetDigits = 0
    @Option(name: .long, help: ArgumentHelp("The column holding the time: a name or a number from 1.",
                                            valueName: "column"))
    var timeColumn: String?
    @Option(name: .long, help: "auto, s, ms, us, ns or rfc3339.")
    var timeUnit = "auto"
    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Count numeric times from this RFC 3339 time or Unix ms instead of from 1970.",
                               valueName: "time"))
    var startTime: String?
    @Flag(name: .long, help: "Read RFC 3339 times without an offset as UTC.")
    var utc = false
    @Option(name: .long, help: ArgumentHelp("The metric columns, e.g. s2,s3,s4 or s1..s21 (default: every other "
                                            + "numeric column).", valueName: "list"))
    var metrics: String?

    @Option(name: .long, help: "The field delimiter: a character, tab, or whitespace (runs of spaces and tabs).")
    var delimiter: String?
    @Flag(name: .long, help: "The first line is data, not column names.")
    var noHeader = false
    @Option(name: .long, help: ArgumentHelp("Column names, e.g. unit,cycle,s1..s21: for a file without a header, "
                                            + "or to rename the header's.", valueName: "list"))
    var columns: String?
    @Option(name: .long, help: ArgumentHelp("Texts meaning no value, besides an empty field.", valueName: "list"))
    var missing = "NA,N/A,null,none,-"

    @Flag(name: .long, help: "Stop at the first bad row (exit status 1) instead of quarantining it.")
    var strict = false
    @Flag(name: .long, help: "Record a failure maintenance event at each asset's last time (run-to-failure data).")
    var failureAtEnd = false
    @Flag(name: .long, help: "No progress bar (it is shown only when stderr is a terminal).")
    var quiet = false
    @Option(name: .long, help: ArgumentHelp("Readings per transaction.", visibility: .hidden))
    var batch = 20_000

    func validate() throws {
        _ = try options()
    }

    func run() throws {
        let options = try options()
        let descriptor: Int32
        if file == "-" {
            descriptor = STDIN_FILENO
        } else {
            descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else {
                throw ValidationError("cannot open \(file): \(String(cString: strerror(errno)))")
            }
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var info = stat()
        let size: Int64? = fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil

        let store = try TwinStore(path: db)
        defer { try? store.close() }
        let importer = try Importer(store: store, options: options)
        let progress = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1, totalBytes: size)
        var shown = 0
        importer.onBadRow = { line, problem in
            shown += 1
            progress.clear()
            if shown <= 10 {
                printError("line \(line): \(problem.detail) (\(problem.reason))")
            } else if shown == 11 && !strict {
                printError("… more bad rows; all of them are in `twind query quarantine --db \(db)`")
            }
        }
        importer.onMapping = { mapper, delimiter in
            guard !quiet else { return }
            let asset = mapper.fixedAsset.map { "'\($0)' (--asset)" } ?? mapper.columns[mapper.assetIndex ?? 0]
            var text = "import: asset \(asset), time \(mapper.columns[mapper.timeIndex]), "
                + "\(mapper.metrics.count) metrics (\(CSVRowMapper.list(mapper.metrics.map(\.name))))"
            if !mapper.ignored.isEmpty { text += "; not imported: \(CSVRowMapper.list(mapper.ignored))" }
            printError(text + "; delimiter \(delimiter.name)")
        }
        importer.onProgress = { progress.update($0) }
        let reader = LineReader(descriptor: descriptor)
        let summary: ImportSummary
        do {
            summary = try importer.run(reader)
        } catch {
            progress.clear()
            throw error
        }
        progress.clear()
        print(Self.describe(summary, source: options.source))
    }

    static func describe(_ summary: ImportSummary, source: String) -> String {
        func number(_ value: Int) -> String { value.formatted(.number.grouping(.automatic).locale(.init(identifier: "en_US"))) }
        func count(_ value: Int, _ noun: String) -> String { number(value) + " " + noun + (value == 1 ? "" : "s") }
        var text = "imported \(source): \(count(summary.rows, "row")), \(count(summary.inserted, "reading")) inserted, "
            + "\(count(summary.duplicates, "duplicate")) ignored, \(count(summary.rejected, "row")) rejected"
        if summary.rejected > 0 {
            text += summary.alreadyQuarantined > 0
                ? " (quarantined; \(number(summary.alreadyQuarantined)) already by an earlier import)" : " (quarantined)"
        }
        text += ", \(count(summary.assets, "asset"))"
        if let first = summary.firstTimestamp, let last = summary.lastTimestamp {
            text += ", \(RFC3339.string(first)) to \(RFC3339.string(last))"
        }
        if summary.failuresRecorded > 0 { text += ", \(count(summary.failuresRecorded, "failure event")) recorded" }
        let rate = summary.seconds > 0 ? Int(Double(summary.rows) / summary.seconds) : summary.rows
        text += String(format: ", in %.1f s (", summary.seconds) + number(rate) + " rows/s)"
        return text
    }

    private func options() throws -> ImportOptions {
        var options = ImportOptions()
        let formatName = format ?? ([".jsonl", ".ndjson"].contains { file.lowercased().hasSuffix($0) } ? "jsonl" : "csv")
        guard let format = ImportOptions.Format(rawValue: formatName.lowercased()) else {
            throw ValidationError("--format takes csv or jsonl, not '\(formatName)'")
        }
        options.format = format
        options.source = file == "-" ? "stdin" : URL(fileURLWithPath: file).lastPathComponent
        if let delimiter {
            switch delimiter.lowercased() {
            case "whitespace", "space", "spaces", " ": options.delimiter = .whitespace
            case "tab", "\\t", "\t": options.delimiter = .byte(UInt8(ascii: "\t"))
            default:
                guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\"") else {
                    throw ValidationError("--delimiter takes one character (e.g. ',' or ';'), tab, or whitespace")
                }
                options.delimiter = .byte(byte)
            }
        }
        options.header = !noHeader
        do {
            options.columns = try columns.map(ColumnList.expand)
            options.mapping.metrics = try metrics.map(ColumnList.expand)
        } catch {
            throw ValidationError("\(error)")
        }
        if asset != nil && assetColumn != nil {
            throw ValidationError("give either --asset NAME (one asset for the whole file) or --asset-column COLUMN")
        }
        if var asset, !asset.withUTF8({ ImportValue.isValidAssetID(UnsafeRawBufferPointer($0)) }) {
            throw ValidationError("--asset '\(asset)' is not an asset id: use 1 to 128 of A-Z a-z 0-9 _ . : -")
        }
        options.mapping.asset = asset
        options.mapping.assetColumn = assetColumn
        options.mapping.assetPrefix = assetPrefix
        guard (0...32).contains(assetDigits) else { throw ValidationError("--asset-digits takes 0 to 32") }
        options.mapping.assetDigits = assetDigits
        options.mapping.timeColumn = timeColumn
        guard let unit = ImportTimeUnit(rawValue: timeUnit.lowercased()) else {
            throw ValidationError("--time-unit takes \(ImportTimeUnit.allCases.map(\.rawValue).joined(separator: ", ")), "
                                  + "not '\(timeUnit)'")
        }
        var origin: Int64?
        if let startTime {
            let trimmed = startTime.trimmingCharacters(in: .whitespaces)
            guard !["now", "-", "+"].contains(where: { trimmed.hasPrefix($0) }),
                let parsed = TimeExpression.parse(trimmed, now: 0) else {
                throw ValidationError("--start-time '\(startTime)' is not a fixed time: use RFC 3339 "
                                      + "(2026-01-01T00:00:00Z) or Unix milliseconds, so that importing again "
                                      + "gives the same times")
            }
            guard unit != .rfc3339 else {
                throw ValidationError("--start-time counts numbers from a time: use it with --time-unit s, ms, us or ns")
            }
            origin = parsed
        }
        options.mapping.time = ImportTimeReader(unit: unit, origin: origin, assumeUTC: utc)
        options.mapping.missing = Set(missing.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        options.strict = strict
        options.failureAtEnd = failureAtEnd
        guard batch >= 1 else { throw ValidationError("--batch takes 1 or more") }
        options.batchReadings = batch
        if format == .jsonl {
            do {
                _ = try JSONLRowMapper(mapping: options.mapping)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        return options
    }
}

/// A one-line progress display on stderr, redrawn at most ten times a second.
private final class ProgressBar {
    private let enabled: Bool
    private let totalBytes: Int64?
    private let started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drawn = false

    init(enabled: Bool, totalBytes: Int64?) {
        self.enabled = enabled
        self.totalBytes = totalBytes
    }

    func update(_ progress: ImportProgress) {
        guard enabled, ContinuousClock.now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = .now
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = ""
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(progress.bytesRead) / Double(totalBytes))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += String(format: "%3.0f%% ", fraction * 100)
        }
        line += "\(progress.rows) rows, \(progress.readingsInserted) readings inserted, \(progress.rejected) bad"
        if seconds > 0 { line += ", \(Int(Double(progress.rows) / seconds)) rows/s" }
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
