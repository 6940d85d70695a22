import Foundation
import NIOSSL
import PostgresNIO

/// A parsed `postgres://` URL.
public struct PostgresTarget: Sendable, Hashable {
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// `disable`: plain TCP. `prefer` (the default, as libpq's): TLS if the server offers it, unverified.
        /// `require`: TLS, unverified. `verify-full`: TLS with the certificate checked against `sslrootcert` (or the
        /// system's CAs) and the host name.
        case disable, prefer, require, verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var tls: TLSMode
    public var rootCertificate: String?

    /// Parses `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE]`; a password in the URL is
    /// refused (it would end up in logs and `ps`): use `password_file`.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme) else {
            throw ForwardError.url("expected postgres://USER@HOST:PORT/DATABASE, got \"\(text)\"")
        }
        if components.password != nil {
            throw ForwardError.url("the URL holds a password: put it in forward.password_file (or a systemd "
                                   + "credential) and write postgres://USER@HOST/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ForwardError.url("no host in \"\(text)\": expected postgres://USER@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw ForwardError.url("no database in \"\(text)\": expected postgres://USER@HOST:PORT/DATABASE")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.user ?? "twind"
        self.database = database
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = TLSMode(rawValue: value) else {
                    throw ForwardError.url("sslmode=\(item.value ?? "") is not one of "
                                           + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                mode = parsed
            case "sslrootcert":
                rootCertificate = item.value
            default:
                throw ForwardError.url("unknown URL parameter '\(item.name)' (known: sslmode, sslrootcert)")
            }
        }
        tls = mode
    }

    /// The URL as it can be logged.
    public var display: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }

    func configuration(password: String?) throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .prefer, .require:
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            let context = try NIOSSLContext(configuration: config)
            tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .fullVerification
            if let rootCertificate { config.trustRoots = .file(rootCertificate) }
            tlsSetting = .require(try NIOSSLContext(configuration: config))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user,
                                                             password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
