import Foundation
import NIOCore
import TestSupport
import Testing

/// Fixture and golden-file access. Fixtures are read through `#filePath`, so the tests need no
/// bundled resources.
///
/// Golden files are compared byte for byte. To regenerate them after a deliberate change, run
/// `MESSAGE_INSPECTION_REGENERATE_GOLDEN=1 swift test --filter MessageInspectionTests`, then
/// review the diff before committing it.
enum Fixture {
    static let directory: String = {
        let file = #filePath
        let parent = file[..<file.lastIndex(of: "/")!]
        return String(parent) + "/Fixtures"
    }()

    static var regenerating: Bool {
        getenv("MESSAGE_INSPECTION_REGENERATE_GOLDEN").map { String(cString: $0) == "1" } ?? false
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try readFile(directory + "/" + name)
    }

    static func buffer(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try bytes(name))
    }

    /// Compares `actual` with the golden file `name` (or writes it when regenerating).
    static func expectGolden(_ actual: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = directory + "/" + name
        if regenerating {
            try writeFile(path, actual)
            return
        }
        let expected = try readFile(path)
        if expected != actual {
            let index = (0..<min(expected.count, actual.count)).first { expected[$0] != actual[$0] } ?? min(expected.count, actual.count)
            Issue.record("\(name): differs from the golden file at byte \(index) (expected \(expected.count) bytes, got \(actual.count))",
                         sourceLocation: sourceLocation)
        }
    }

    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw FileError(description: "cannot open \(path)") }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            result += chunk[0..<count]
        }
        return result
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        guard let file = fopen(path, "wb") else { throw FileError(description: "cannot write \(path)") }
        defer { fclose(file) }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        occurrences(of: needle) > 0
    }

    func occurrences(of needle: [UInt8]) -> Int {
        guard !needle.isEmpty, count >= needle.count else { return 0 }
        var found = 0
        var index = 0
        while index <= count - needle.count {
            if self[index] == needle[0] && Array(self[index..<(index + needle.count)]) == needle {
                found += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }
}
