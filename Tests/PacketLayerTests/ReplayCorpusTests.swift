import Testing
@testable import PacketLayer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replays every capture in Fixtures/ and compares the report with NAME.replay.expected.
/// Set REPLAY_REGENERATE=1 to rewrite the expected files (then review the diff).
@Suite struct ReplayCorpusTests {
    static let fixtures: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
    }()

    static let captures: [String] = {
        guard let dir = opendir(fixtures) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".pcap") { names.append(String(name.dropLast(5))) }
        }
        return names.sorted()
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.captures.count == 38)
    }

    @Test(arguments: ReplayCorpusTests.captures)
    func replayMatchesExpected(_ name: String) throws {
        let report = ReplayReport.render(try Replay.run(path: "\(Self.fixtures)/\(name).pcap"))
        let expectedPath = "\(Self.fixtures)/\(name).replay.expected"
        if getenv("REPLAY_REGENERATE") != nil {
            try writeFile(expectedPath, report)
        }
        let expected = try readFile(expectedPath)
        #expect(report == expected, "\(name)")
    }
}

func readFile(_ path: String) throws -> String {
    String(decoding: try readBytes(path), as: UTF8.self)
}

func readBytes(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw PcapError.cannotOpen(path) }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return out
}

func writeFile(_ path: String, _ text: String) throws {
    try writeBytes(path, Array(text.utf8))
}

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    guard let f = fopen(path, "wb") else { throw PcapError.cannotOpen(path) }
    defer { fclose(f) }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
}
