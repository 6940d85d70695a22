// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "twind",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "twind", targets: ["twind"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "TwinMQTT",
            dependencies: [
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "TwinCore"),
        .target(
            name: "TwinStore",
            dependencies: [
                "TwinCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, for stepping the one-day history without a row object per reading.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Forwarding each gateway's history to a central PostgreSQL (`forward:`).
        .target(
            name: "TwinForward",
            dependencies: [
                "TwinCore", "TwinStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TwinDaemon",
            dependencies: [
                "TwinCore", "TwinStore", "TwinMQTT", "TwinForward",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "twind",
            dependencies: [
                "TwinDaemon", "TwinStore", "TwinCore", "TwinMQTT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TwinCoreTests", dependencies: ["TwinCore"]),
        .testTarget(name: "TwinStoreTests", dependencies: ["TwinStore", "TwinCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "TwinMQTTTests", dependencies: ["TwinMQTT", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "TwinDaemonTests", dependencies: ["TwinDaemon", "TwinCore",
                                                          .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle")]),
        .testTarget(name: "TwinForwardTests", dependencies: ["TwinForward", "TwinStore"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TwinDaemon", "TwinStore", "TwinCore", "TestSupport"]),
        // The executable and the import pipeline on real files, without a broker.
        .testTarget(name: "CLITests", dependencies: ["TwinDaemon", "TwinStore", "TwinCore", "TestSupport",
                                                     .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
