import Foundation
import Testing
@testable import ApplianceConfig

/// The checked-in `cli-reference/` pages must be exactly what the command table generates.
struct CLIReferenceTests {
    /// The repository root: this file is Tests/ApplianceConfigTests/CLIReferenceTests.swift.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cli-reference")

    @Test func checkedInPagesMatchTheTable() throws {
        let pages = CLIReference.pages()
        if ProcessInfo.processInfo.environment["REGENERATE_CLI_REFERENCE"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            for page in pages {
                try Data(page.markdown.utf8).write(to: Self.directory.appendingPathComponent(page.fileName))
            }
        }
        for page in pages {
            let url = Self.directory.appendingPathComponent(page.fileName)
            let stored = try? String(contentsOf: url, encoding: .utf8)
            #expect(stored == page.markdown, "cli-reference/\(page.fileName) is out of date: run `make cli-reference`")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".md") }
        #expect(Set(names) == Set(pages.map(\.fileName)), "cli-reference/ has stray pages: run `make cli-reference`")
    }

    @Test func onePagePerGroupCoveringEveryCommand() {
        let pages = CLIReference.pages()
        #expect(pages.map(\.fileName) == ["mail-security.md", "ysc.md", "syslog.md", "httpd.md", "console-admin.md", "status.md", "mail-security-tls.md"])
        for spec in CommandTable.specs {
            let page = pages.first { $0.fileName == spec.group.rawValue + ".md" }
            #expect(page?.markdown.contains("## \(spec.command)\n") == true, "\(spec.command) is not documented")
        }
    }

    @Test func pageShowsSyntaxRangeDefaultAndNoForm() throws {
        let page = try #require(CLIReference.pages().first { $0.fileName == "mail-security.md" }).markdown
        #expect(page.contains("mail security max size SIZE\nno mail security max size [...]\n"))
        #expect(page.contains("range 1-100"))
        #expect(page.contains("- Default: `5`"))
        #expect(page.contains("no mail security white-list pattern NUM [...]"))
    }
}
