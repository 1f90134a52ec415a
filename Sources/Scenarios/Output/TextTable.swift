/// A plain-text table: first column left-aligned, the others right-aligned, two spaces apart.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Left-align every column (text), instead of right-aligning all but the first (numbers).
    var leftAligned = false

    init(_ header: [String], leftAligned: Bool = false) {
        self.header = header
        self.leftAligned = leftAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The table's lines, each prefixed with `indent`.
    func lines(indent: String = "") -> [String] {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            var line = indent
            for (index, cell) in row.enumerated() where index < widths.count {
                let gap = String(repeating: " ", count: widths[index] - cell.count)
                if index == 0 {
                    line += cell + gap
                } else if leftAligned {
                    line += "  " + cell + gap
                } else {
                    line += "  " + gap + cell
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}
