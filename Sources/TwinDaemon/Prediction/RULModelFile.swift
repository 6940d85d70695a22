import Foundation
import TwinCore

/// Reading and writing `RULModel` files (JSON).
public enum RULModelFile {
    public struct LoadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot use the model file \(path): \(reason)" }
    }

    public static func load(path: String) throws(LoadError) -> RULModel {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(path: path, reason: "cannot read it (\(error.localizedDescription))")
        }
        let model: RULModel
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            model = try decoder.decode(RULModel.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let at = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw LoadError(path: path, reason: "'\(at)' is missing (is it a file written by `twind model fit`?)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw LoadError(path: path, reason: "not a twind model file (\(at.isEmpty ? "" : "at '\(at)': ")"
                            + "\(context.debugDescription))")
        } catch {
            throw LoadError(path: path, reason: "not a twind model file (\(error))")
        }
        let problems = model.problems
        guard problems.isEmpty else { throw LoadError(path: path, reason: problems.joined(separator: "; ")) }
        return model
    }

    public static func write(_ model: RULModel, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(model).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
