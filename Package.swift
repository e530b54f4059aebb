// swift-tools-version:6.0
// The mail-inspection appliance firmware: one package, pure targets first,
// thin I/O targets over them, executables that only wire things together.
import PackageDescription

let nio: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let cryptoExtras: Target.Dependency = .product(name: "_CryptoExtras", package: "swift-crypto")

let package = Package(
    name: "MailSecurityAppliance",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mailsecd", targets: ["mailsecd"]),
        .executable(name: "mailsec", targets: ["mailsec"]),
        .executable(name: "yscd", targets: ["yscd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // The web console's HTTP(S) server, password hashing and the box's own web certificate.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // Already in the graph through swift-certificates; named for the DER types of TLSInterception.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // MARK: pure targets (no sockets, no threads)
        .target(name: "Telemetry"),
        .target(name: "ApplianceConfig", dependencies: ["Telemetry", crypto, cryptoExtras]),
        .target(name: "ScanProtocol", dependencies: ["Telemetry"]),
        .target(name: "LineProtocol", dependencies: [nio]),
        .target(name: "MailRelay", dependencies: [nio]),
        .target(name: "SMTPRelay", dependencies: ["LineProtocol", "MailRelay", nio]),
        .target(name: "MessageInspection", dependencies: ["Telemetry", nio]),
        .target(name: "POP3Relay", dependencies: ["LineProtocol", "MailRelay", nio]),

        // MARK: system libraries
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),

        // MARK: I/O targets
        .target(name: "SyslogIO", dependencies: ["Telemetry", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .target(name: "PacketLayer", dependencies: ["CPcap", "MessageInspection", "Telemetry", "LineProtocol", "SMTPRelay", nio]),
        .target(name: "ControlPlane", dependencies: ["ApplianceConfig", "Telemetry", "SyslogIO", "ScanClient", nio, nioPosix, logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .target(name: "ScanEngines", dependencies: ["ScanProtocol", nio, nioPosix,
                                                   .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(name: "ScanClient", dependencies: ["CCurl", "ScanProtocol", "Telemetry", nio, logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),

        // Encrypted mail: the site CA, minted leaves, upstream certificate verification, and the
        // bridge to swift-nio-ssl the relay session uses (docs/tls.md).
        .target(name: "TLSInterception", dependencies: [
            crypto, nio,
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),

        .target(name: "MailProxy", dependencies: [
            "SMTPRelay", "POP3Relay", "MailRelay", "LineProtocol", "MessageInspection", "ScanClient", "ScanProtocol", "Telemetry",
            // The proxies' settings are built from the configuration (ProxySettings+Configuration.swift).
            "ApplianceConfig",
            nio, nioPosix, logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio"),
            "TLSInterception", .product(name: "X509", package: "swift-certificates"),
        ]),

        // The web console: pages from pure view models, HTTP(S) through Hummingbird, every
        // change through the console's command table, numbers read from Telemetry.
        .target(name: "WebConsole", dependencies: [
            "SyslogIO",
            "ControlPlane", "ApplianceConfig", "Telemetry", "ScanClient", "MessageInspection", crypto, nio, nioPosix, logging,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),

        // Monitor-only mode and `mailsec replay --scan`: the pure MonitorMachine decides what is
        // scanned and counted; MonitorService runs a live capture and the scans around it.
        .target(name: "Monitoring", dependencies: [
            "PacketLayer", "ScanClient", "MessageInspection", "ApplianceConfig", "Telemetry", nio, nioPosix,
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),

        // Appliance interception: the pure InterceptionFollower decides which netfilter rules the
        // configuration wants; InterceptionDriver applies them off the event loops.
        .target(name: "Interception", dependencies: [
            "PacketLayer", "ApplianceConfig", "Telemetry", nioPosix, .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),

        // MARK: executables (wiring only)
        .executableTarget(name: "mailsecd", dependencies: ["ControlPlane", "WebConsole", "ApplianceConfig", "Telemetry", "SyslogIO", "ScanClient", "MailProxy", "MailRelay", "TLSInterception", "MessageInspection", "PacketLayer", "Monitoring", "Interception", argumentParser, nioPosix, logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .executableTarget(name: "mailsec", dependencies: ["ControlPlane", "ApplianceConfig", "PacketLayer", "Monitoring", "Telemetry", "ScanClient", "MessageInspection", argumentParser, nioPosix]),
        .executableTarget(name: "yscd", dependencies: [
            "ScanEngines", "ScanProtocol", argumentParser, nio, nioPosix, logging,
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
        ]),

        // MARK: tests
        .target(name: "TestSupport", dependencies: [nio], path: "Tests/TestSupport"),
        .testTarget(name: "TelemetryTests", dependencies: ["TestSupport", "Telemetry"]),
        .testTarget(name: "SyslogIOTests", dependencies: ["TestSupport", "Telemetry", "SyslogIO"]),
        .testTarget(name: "ApplianceConfigTests", dependencies: ["ApplianceConfig", "TestSupport"]),
        .testTarget(name: "LineProtocolTests", dependencies: ["LineProtocol", "TestSupport", nio], exclude: ["Fixtures"]),
        .testTarget(name: "SMTPRelayTests", dependencies: ["SMTPRelay", "MailRelay", "LineProtocol", "TestSupport", nio], exclude: ["Fixtures"]),
        .testTarget(name: "MessageInspectionTests", dependencies: ["MessageInspection", "Telemetry", "TestSupport", nio], exclude: ["Fixtures"]),
        .testTarget(name: "POP3RelayTests", dependencies: ["POP3Relay", "MailRelay", "LineProtocol", "TestSupport", nio], exclude: ["Fixtures"]),
        .testTarget(name: "ScanProtocolTests", dependencies: ["ScanProtocol"]),
        .testTarget(name: "ScanEnginesTests", dependencies: ["TestSupport", "ScanEngines", "ScanProtocol", nio, nioPosix],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ScanClientTests", dependencies: ["TestSupport", "ScanClient", "ScanProtocol", "Telemetry", nio, nioPosix]),
        .testTarget(name: "ControlPlaneTests", dependencies: ["TestSupport", "ControlPlane", "ApplianceConfig", "Telemetry", "SyslogIO", nio, .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "MailProxyTests", dependencies: ["MailProxy", "ApplianceConfig", "TestSupport", nio, nioPosix, .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "TLSInterceptionTests", dependencies: [
            "TLSInterception", nio, nioPosix, crypto,
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .testTarget(name: "PacketLayerTests", dependencies: ["PacketLayer", "TestSupport", nio], exclude: ["Fixtures", "Golden"]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "PacketLayer", "ScanClient", "ScanProtocol", "MessageInspection", "ApplianceConfig", "Telemetry"]),
        .testTarget(name: "InterceptionTests", dependencies: ["Interception", "PacketLayer", "ApplianceConfig", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "WebConsoleTests", dependencies: ["WebConsole", "TestSupport", "ApplianceConfig", "ControlPlane", "Telemetry", nioPosix, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .testTarget(name: "DaemonTests", dependencies: ["TestSupport", "ApplianceConfig"]),
        .testTarget(name: "yscdTests", dependencies: ["yscd", "ScanProtocol", .product(name: "NIOHTTP1", package: "swift-nio")]),
    ]
)

// MARK: fuzz targets (libFuzzer), declared only when MAILSEC_FUZZ=1 so the normal build never
// compiles them; `make fuzz` builds them with -sanitize=fuzzer,address in its own scratch path.
if Context.environment["MAILSEC_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-smtp-framing", ["LineProtocol", "SMTPRelay", nio]),
        ("fuzz-smtp-relay", ["SMTPRelay", "MailRelay", "LineProtocol", nio]),
        ("fuzz-pop3-relay", ["POP3Relay", "MailRelay", "LineProtocol", nio]),
        ("fuzz-message-inspection", ["MessageInspection", "Telemetry", nio]),
        ("fuzz-mime-walker", ["ScanEngines", nio]),
        ("fuzz-scan-reply", ["ScanProtocol"]),
        ("fuzz-console-parser", ["ApplianceConfig"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["MailRelay"], path: "fuzz/targets/FuzzSupport"))
    for fuzz in fuzzTargets {
        package.targets.append(.executableTarget(
            name: fuzz.name, dependencies: ["FuzzSupport"] + fuzz.dependencies, path: "fuzz/targets/\(fuzz.name)"))
    }
}
