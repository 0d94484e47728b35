#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The planner page's files: its own HTML, script and style (`PlannerWeb/`, compiled into the
/// binary) and Chart.js, read once at start from Debian's `libjs-chart.js`
/// (`/usr/share/javascript/chart.js/chart.min.js`, or `$HIRELEDGER_CHARTJS`). Without Chart.js the
/// page still shows every table and says which package draws the charts. Nothing comes from a CDN.
public struct PlannerAssets: Sendable {
    public struct Asset: Sendable {
        public var contentType: String
        public var bytes: [UInt8]
    }

    /// Where Chart.js is looked for when `$HIRELEDGER_CHARTJS` is not set.
    public static let chartJSPath = "/usr/share/javascript/chart.js/chart.min.js"

    private let assets: [String: Asset]

    public init(chartJS: [UInt8]?) {
        var a: [String: Asset] = [
            "planner.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.planner_js),
            "login.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.login_js),
            "planner.css": Asset(contentType: "text/css; charset=utf-8", bytes: PackageResources.planner_css),
        ]
        if let chartJS { a["chart.js"] = Asset(contentType: "text/javascript; charset=utf-8", bytes: chartJS) }
        assets = a
    }

    /// The assets, with Chart.js from `$HIRELEDGER_CHARTJS` or `chartJSPath` when readable.
    public static func load() -> PlannerAssets {
        let path = getenv("HIRELEDGER_CHARTJS").map { String(cString: $0) } ?? chartJSPath
        return PlannerAssets(chartJS: readFile(path))
    }

    /// Whether Chart.js was found.
    public var hasChartJS: Bool { assets["chart.js"] != nil }

    public func asset(_ name: String) -> Asset? { assets[name] }

    static let pageHTML = String(decoding: PackageResources.planner_html, as: UTF8.self)

    /// The login page, with an error line when the last attempt failed (plain text, escaped).
    static func loginHTML(error: String?) -> String {
        let page = PackageResources.login_html
        let line = error.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
        let marker = Array("<!--error-->".utf8)
        guard let i = (0...(page.count - marker.count)).first(where: { page[$0..<($0 + marker.count)].elementsEqual(marker) }) else {
            return String(decoding: page, as: UTF8.self)
        }
        return String(decoding: page[..<i], as: UTF8.self) + line + String(decoding: page[(i + marker.count)...], as: UTF8.self)
    }

    static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "&": o += "&amp;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
            if out.count > 16 << 20 { return nil }
        }
        return out.isEmpty ? nil : out
    }
}
