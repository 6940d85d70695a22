import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon
import TwinStore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fit a remaining-useful-life model from run-to-failure history, and explain one.",
        discussion: """
            A model learns, from assets that ran until they failed, how their metrics look as the end approaches. \
            A `rul` rule then evaluates it live on every complete sample and writes `rul` (seconds of remaining \
            life) and `rul_low` (a lower bound) into the twin. See the README section "Remaining useful life".
            """,
        subcommands: [ModelFit.self, ModelExplain.self])
}
