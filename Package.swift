// swift-tools-version: 6.0
import PackageDescription

// Layers point one way: Sim <- Model <- Scenarios <- Live <- simrun.
let package = Package(
    name: "simrun",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "simrun", targets: ["simrun"]),
        .library(name: "Sim", targets: ["Sim"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        .library(name: "Live", targets: ["Live"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "Sim",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Model",
            dependencies: [
                "Sim",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Scenarios",
            dependencies: ["Sim", "Model", .product(name: "Yams", package: "Yams")]
        ),
        // Live mode: MariaDB Connector/C loaded at run time (dlopen), so nothing here needs
        // the library or its headers to build.
        .target(name: "Live", dependencies: ["Sim", "Model", "Scenarios"]),
        .executableTarget(
            name: "simrun",
            dependencies: [
                "Sim", "Model", "Scenarios", "Live",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SimTests", dependencies: ["Sim", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        .testTarget(name: "ModelTests", dependencies: ["Sim", "Model"]),
        .testTarget(name: "LiveTests", dependencies: ["Sim", "Model", "Scenarios", "Live"]),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["Sim", "Model", "Scenarios", .product(name: "Yams", package: "Yams")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
