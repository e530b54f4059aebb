import Foundation

/// Locates the executables this package builds (mailsecd, mailsec, yscd) next to the
/// test bundle, so integration tests run the real binaries, not in-process copies.
public enum ProductBinary {
    public static func path(_ name: String) -> String {
        // The test runner lives in the same products directory as the executables
        // (.build/<triple>/debug/…PackageTests.xctest on Linux).
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// The repository's root (for checked-in fixtures such as cli-reference/ and firmware/):
    /// the nearest directory above this file that holds Package.swift.
    public static func repositoryRoot() -> URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }
}
