import Telemetry

/// Every text of the pages, in English and Japanese (the FWX120's users read Japanese).
public struct Strings: Sendable {
    public var language: Language
    public var title, dashboard, settings, logout, login, password, loginButton, wrongPassword, tooManyAttempts: String
    public var noPasswordWarning, detectionWarning, acknowledge, latestDetections, noDetections: String
    public var time, protocolName, direction, from, to, subject, score, virus, action, result: String
    public var send, receive, counters, chart, scanService, state, latency, failures, breaker: String
    public var license, daysLeft, sessions, memory, open, closed, save, setDefault, apply, runCommand: String
    public var commandRun, reply, ok, csrfRefused, forbidden, mailsBehind, back, current, defaultValue: String
    public var metrics, lastUpdate: String
    public var size, outcome, noMails, notInspected, notInspectedExplained: String
    /// The navigation link to the site CA's certificate (docs/tls.md).
    public var siteCA: String
    /// The heading of the TLS outcome tiles (docs/tls.md, Counters).
    public var tlsSessions: String

    public static func `for`(_ language: Language) -> Strings { language == .ja ? ja : en }

    /// "366 days left" / "残り 366 日": the word order differs.
    public func daysLeft(_ days: Int) -> String {
        language == .ja ? "残り \(days) \(daysLeft)" : "\(days) \(daysLeft)"
    }

    /// "12 mails were counted; the list still holds 3 of them …": said on a list page when
    /// older mails have left the recent-mail list.
    public func olderMailsLeft(counted: Int, kept: Int) -> String {
        let limit = TelemetryLimits.mailListEntries
        return language == .ja
            ? "このカウンターは \(counted) 通を数えましたが、一覧に残っているのは \(kept) 通です。古いメールは一覧から消えています (一覧はすべての種類を合わせて最新の \(limit) 通を保持します)。"
            : "This counter counted \(counted) mails; the list still holds \(kept) of them. Older mails have left the list (it keeps the latest \(limit) mails of every kind)."
    }

    /// What was done with a mail (`MailDisposition`), in the list's words.
    public func disposition(_ disposition: MailDisposition) -> String {
        switch (language, disposition) {
        case (.en, .pass): "passed"
        case (.en, .tag): "tagged"
        case (.en, .header): "header added"
        case (.en, .reject): "rejected"
        case (.en, .transfer): "transferred"
        case (.en, .tempfail): "refused for now"
        case (.ja, .pass): "通過"
        case (.ja, .tag): "タグ付け"
        case (.ja, .header): "ヘッダー追加"
        case (.ja, .reject): "拒否"
        case (.ja, .transfer): "転送"
        case (.ja, .tempfail): "一時拒否"
        }
    }

    public func counter(_ counter: MailCounter) -> String {
        switch (language, counter) {
        case (.en, _): counter.label
        case (.ja, .inspected): "検査"
        case (.ja, .clean): "正常"
        case (.ja, .spam): "スパム"
        case (.ja, .virus): "ウイルス"
        case (.ja, .spamAndVirus): "スパム+ウイルス"
        case (.ja, .whiteListed): "ホワイトリスト"
        case (.ja, .tagged): "タグ付け"
        case (.ja, .rejected): "拒否"
        case (.ja, .transferred): "転送"
        case (.ja, .overSize): "サイズ超過"
        case (.ja, .couldNotScan): "検査不能"
        case (.ja, .rejectedInactiveLicense): "拒否 (ライセンス無効)"
        case (.ja, .rejectedYSCFailure): "拒否 (YSC 障害)"
        }
    }

    /// A TLS outcome's tile label: the console's row words in English (`TLSOutcome.label`).
    public func tlsOutcome(_ outcome: TLSOutcome) -> String {
        switch (language, outcome) {
        case (.en, _): outcome.label
        case (.ja, .inspected): "検査"
        case (.ja, .passed): "通過 (検査なし)"
        case (.ja, .exempt): "除外 (検査なし)"
        case (.ja, .blocked): "ブロック"
        case (.ja, .clientRefusedCertificate): "クライアントが証明書を拒否"
        case (.ja, .upstreamCertificateInvalid): "サーバー証明書が無効"
        case (.ja, .handshakeFailed): "ハンドシェイク失敗"
        }
    }

    static let en = Strings(
        language: .en, title: "Mail security", dashboard: "Dashboard", settings: "Settings", logout: "Log out",
        login: "Log in", password: "Administrator password", loginButton: "Log in", wrongPassword: "Password incorrect",
        tooManyAttempts: "Too many failed logins from this address; try again later",
        noPasswordWarning: "No administrator password is set: these pages are open to every host that 'httpd host' lets in.",
        detectionWarning: "Illegal mail was detected", acknowledge: "Acknowledge", latestDetections: "Latest detections",
        noDetections: "No detections", time: "Time", protocolName: "Protocol", direction: "Direction", from: "From", to: "To",
        subject: "Subject", score: "Score", virus: "Virus", action: "Action", result: "Result", send: "send", receive: "receive",
        counters: "Counters", chart: "Mail over time", scanService: "Scan service", state: "State", latency: "Latency (average)",
        failures: "Failures", breaker: "Circuit breaker", license: "Licence", daysLeft: "days left", sessions: "Sessions in flight",
        memory: "Memory budget in use", open: "open", closed: "closed", save: "Save", setDefault: "Default", apply: "Apply",
        runCommand: "Command", commandRun: "Command run", reply: "Reply", ok: "OK",
        csrfRefused: "Refused: the form's token is missing or wrong (reload the page)", forbidden: "Forbidden",
        mailsBehind: "Mails behind", back: "Back", current: "Current", defaultValue: "Default", metrics: "Metrics",
        lastUpdate: "Updated", size: "Size", outcome: "Outcome", noMails: "No mails in this range",
        notInspected: "Sessions not inspected",
        notInspectedExplained: "Mail sessions that crossed the box without being intercepted (IPv6 while 'mail security ipv6 off'): the kernel counts them; the appliance never saw their mail, so there is no list. 'show status mail security' shows the same count.",
        siteCA: "Site CA certificate", tlsSessions: "Encrypted sessions (TLS)")

    static let ja = Strings(
        language: .ja, title: "メールセキュリティ", dashboard: "ダッシュボード", settings: "設定", logout: "ログアウト",
        login: "ログイン", password: "管理パスワード", loginButton: "ログイン", wrongPassword: "パスワードが違います",
        tooManyAttempts: "このアドレスからのログイン失敗が多すぎます。しばらくしてから再度お試しください",
        noPasswordWarning: "管理パスワードが設定されていません。'httpd host' で許可されたすべてのホストからこのページを開けます。",
        detectionWarning: "不正なメールを検出しました", acknowledge: "確認", latestDetections: "最新の検出",
        noDetections: "検出なし", time: "日時", protocolName: "プロトコル", direction: "方向", from: "送信者", to: "宛先",
        subject: "件名", score: "スコア", virus: "ウイルス", action: "処理", result: "結果", send: "送信", receive: "受信",
        counters: "カウンター", chart: "メール数の推移", scanService: "スキャンサービス", state: "状態", latency: "応答時間 (平均)",
        failures: "失敗", breaker: "サーキットブレーカー", license: "ライセンス", daysLeft: "日", sessions: "処理中のセッション",
        memory: "使用中のメモリ予算", open: "開", closed: "閉", save: "保存", setDefault: "初期値", apply: "適用",
        runCommand: "コマンド", commandRun: "実行したコマンド", reply: "応答", ok: "OK",
        csrfRefused: "拒否: フォームのトークンがないか正しくありません (ページを再読み込みしてください)", forbidden: "禁止",
        mailsBehind: "対象メール", back: "戻る", current: "現在", defaultValue: "初期値", metrics: "メトリクス",
        lastUpdate: "更新", size: "サイズ", outcome: "判定", noMails: "この期間のメールはありません",
        notInspected: "検査されなかったセッション",
        notInspectedExplained: "検査されずに本機を通過したメールのセッションです ('mail security ipv6 off' のときの IPv6)。カーネルが数えており、本機はそのメールを見ていないため一覧はありません。'show status mail security' も同じ数を示します。",
        siteCA: "サイト CA 証明書", tlsSessions: "暗号化セッション (TLS)")
}
