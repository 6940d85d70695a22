import ArgumentParser
import TwinDaemon

@main
struct Twind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twind",
        abstract: "A digital-twin daemon: MQTT telemetry in, live twins and SQLite history out.",
        discussion: """
            Start the daemon with `twind run --config Config/twind.yaml`, point devices at the topics listed in
            the README (twin/<asset>/telemetry with a JSON object is the simplest), then look at the twins with
            `twind query latest --db twind.sqlite`.
            """,
        version: TwindVersion.string,
        subcommands: [RunCommand.self, CheckConfigCommand.self, QueryCommand.self, AlertsCommand.self, ReplayCommand.self,
                      MaintenanceCommand.self, ImportCommand.self, ModelCommand.self, DBCommand.self,
                      SimulateCommand.self, PublishCommand.self, GenerateReadingsCommand.self,
                      ProfilePipelineCommand.self, ForwardCommand.self])
}
