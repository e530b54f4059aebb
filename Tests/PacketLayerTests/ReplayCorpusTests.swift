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
        #expect(Self.captures.count == 39)
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

/// The replay of a capture does not change when its TCP segments are retransmitted or arrive
/// out of order within each direction.
@Suite struct ReplayReorderingTests {
    static let names = ["zeek__smtp", "sv__smtp-multi-mail", "zeek__pop3", "zeek__smtp-attachment-msg", "sv__smtp-rset"]

    func frames(_ name: String) throws -> (PcapLinkType, [CapturedFrame]) {
        let reader = try PcapReader(path: "\(ReplayCorpusTests.fixtures)/\(name).pcap")
        var frames: [CapturedFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        return (reader.linkType, frames)
    }

    func replay(_ frames: [CapturedFrame], _ linkType: PcapLinkType) -> String {
        var analyser = ReplayAnalyser()
        for frame in frames { analyser.add(frame: frame.bytes[...], linkType: linkType, time: frame.time) }
        return ReplayReport.render(analyser.finish())
    }

    @Test(arguments: ReplayReorderingTests.names)
    func everyFrameTwice(_ name: String) throws {
        let (link, frames) = try frames(name)
        let expected = try readFile("\(ReplayCorpusTests.fixtures)/\(name).replay.expected")
        #expect(!expected.isEmpty)
        #expect(replay(frames.flatMap { [$0, $0] }, link) == expected)
    }

    @Test(arguments: ReplayReorderingTests.names)
    func runsOfOneDirectionReversed(_ name: String) throws {
        let (link, frames) = try frames(name)
        let expected = try readFile("\(ReplayCorpusTests.fixtures)/\(name).replay.expected")
        // Reverse each run of consecutive frames sent by the same endpoint (keeping the first
        // frame of each run first, so a run never overtakes the other direction's reply).
        var reordered: [CapturedFrame] = []
        var run: [CapturedFrame] = []
        var runSource: TCPEndpoint?
        func flush() {
            if let first = run.first { reordered.append(first); reordered += run.dropFirst().reversed() }
            run = []
        }
        for frame in frames {
            let source = PacketDecoder.tcpSegment(frame: frame.bytes[...], linkType: link)?.source
            if source != runSource { flush(); runSource = source }
            run.append(frame)
        }
        flush()
        #expect(replay(reordered, link) == expected)
    }
}
