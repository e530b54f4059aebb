import Foundation
import NIOCore

let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A fixture file as bytes.
func fixture(_ name: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: fixtureDirectory.appendingPathComponent(name)))
}

/// A server-reply fixture (stored with LF) in wire form, CRLF.
func wireReply(_ name: String) throws -> String {
    let text = String(decoding: try fixture(name), as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast(text.hasSuffix("\n") ? 1 : 0)
        .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        .map { $0 + "\r\n" }
        .joined()
}

extension ByteBuffer {
    var string: String { String(decoding: readableBytesView, as: UTF8.self) }
}
