import Foundation
import Testing

/// Golden files of the ruleset renderer, under `Golden/`, read through `#filePath`.
/// Regenerate after a deliberate change with
/// `PACKET_LAYER_REGENERATE_GOLDEN=1 swift test --filter PacketLayerTests.RulesetRendererTests`,
/// then review the diff before committing it.
enum RulesetGolden {
    static let testsDirectory: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!])
    }()

    static let directory = testsDirectory + "/Golden"

    /// The repository root (for firmware files).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: testsDirectory)
        url.deleteLastPathComponent()   // Tests
        url.deleteLastPathComponent()   // repository
        return url.path
    }()

    static var regenerating: Bool {
        ProcessInfo.processInfo.environment["PACKET_LAYER_REGENERATE_GOLDEN"] == "1"
    }

    /// Compares `actual` with `Golden/name` line by line (or writes it when regenerating).
    static func expect(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = directory + "/" + name
        if regenerating {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        guard expected != actual else { return }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        let want = line < e.count ? String(e[line]) : "<end>"
        let got = line < a.count ? String(a[line]) : "<end>"
        Issue.record("\(name) line \(line + 1) differs:\n  golden: \(want)\n  actual: \(got)", sourceLocation: sourceLocation)
    }
}
