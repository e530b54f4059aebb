import Foundation

/// A test target's `Fixtures` folder: the files beside the test that names it.
public struct Fixtures: Sendable {
    public let directory: URL

    /// `filePath`: a file of the test target (its `#filePath`); the folder is `Fixtures` beside it.
    public init(beside filePath: String) {
        directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// A fixture file as bytes.
    public func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// A fixture stored with LF line endings in wire form: every line ends in CRLF.
    public func wireLines(_ name: String) throws -> String {
        let text = String(decoding: try bytes(name), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(text.hasSuffix("\n") ? 1 : 0)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            .map { $0 + "\r\n" }
            .joined()
    }
}
