import ArgumentParser

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
        subcommands: [RunCommand.self, CheckConfigCommand.self, QueryCommand.self, AlertsCommand.self, ReplayCommand.self,
                      MaintenanceCommand.self, DBCommand.self,
                      SimulateCommand.self, GenerateReadingsCommand.self, ProfilePipelineCommand.self])
}
