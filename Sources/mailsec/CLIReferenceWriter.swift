import ApplianceConfig
import Foundation

/// `make cli-reference`: writes the pages generated from the command table.
enum CLIReferenceWriter {
    static func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for page in CLIReference.pages() {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(page.fileName)
            try Data(page.markdown.utf8).write(to: url, options: .atomic)
        }
    }
}
