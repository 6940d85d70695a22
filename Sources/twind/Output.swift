import ArgumentParser
import Foundation

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The check every command reading the daemon's database makes before it opens it.
func requireDatabase(_ path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
        throw ValidationError("no database at \(path): pass --db with the file `twind run` writes "
                              + "(database.path in its config)")
    }
}
