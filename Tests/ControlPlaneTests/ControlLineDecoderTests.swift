@testable import ControlPlane
import NIOCore
import NIOEmbedded
import Testing

@Suite struct ControlLineDecoderTests {
    private func feed(_ chunks: [String]) throws -> [ControlLineDecoder.Line] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ControlLineDecoder()))
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(string: chunk))
        }
        var lines: [ControlLineDecoder.Line] = []
        while let line = try channel.readInbound(as: ControlLineDecoder.Line.self) { lines.append(line) }
        _ = try channel.finish()
        return lines
    }

    @Test func splitsOnNewlineAndDropsCarriageReturn() throws {
        #expect(try feed(["show config\nsave\r\n"]) == [.command("show config"), .command("save")])
    }

    @Test func oneByteAtATimeGivesTheSameLines() throws {
        let text = "mail security use on\r\nysc retry 2\n"
        #expect(try feed(text.map { String($0) }) == [.command("mail security use on"), .command("ysc retry 2")])
    }

    @Test func anOverlongLineIsReportedOnceAndTheNextLineStillWorks() throws {
        let long = String(repeating: "a", count: ControlLimits.maximumRequestLine + 10)
        let lines = try feed([long, long, "\nsave\n"])
        #expect(lines == [.tooLong, .command("save")])
    }

    @Test func anOverlongLineArrivingWholeIsRefused() throws {
        let long = String(repeating: "a", count: ControlLimits.maximumRequestLine + 1)
        #expect(try feed([long + "\nsave\n"]) == [.tooLong, .command("save")])
    }
}
