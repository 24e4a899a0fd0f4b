import ScratchNetCore

/// A two-input perceptron: 1 when w1·x1 + w2·x2 + b > 0, else 0 (ch. 2).
public struct Perceptron: Sendable, Equatable {
    public var w1: Double
    public var w2: Double
    public var bias: Double

    public init(w1: Double, w2: Double, bias: Double) {
        self.w1 = w1
        self.w2 = w2
        self.bias = bias
    }

    public func callAsFunction(_ x1: Int, _ x2: Int) -> Int {
        w1 * Double(x1) + w2 * Double(x2) + bias > 0 ? 1 : 0
    }

    /// The book's weights: AND w = (0.5, 0.5), b = −0.7.
    public static let and = Perceptron(w1: 0.5, w2: 0.5, bias: -0.7)
    /// NAND w = (−0.5, −0.5), b = 0.7.
    public static let nand = Perceptron(w1: -0.5, w2: -0.5, bias: 0.7)
    /// OR w = (0.5, 0.5), b = −0.2.
    public static let or = Perceptron(w1: 0.5, w2: 0.5, bias: -0.2)
}

/// The `gates` demo: AND, NAND and OR are single perceptrons; XOR is not
/// linearly separable, so it takes two layers: XOR = AND(NAND, OR).
public enum LogicGatesDemo {
    public struct Row: Sendable, Equatable {
        public var x1: Int
        public var x2: Int
        public var y: Int
    }

    public struct TruthTable: Sendable, Equatable {
        public var gate: String
        public var rows: [Row]
    }

    /// XOR from the three single-layer gates.
    public static func xor(_ x1: Int, _ x2: Int) -> Int {
        Perceptron.and(Perceptron.nand(x1, x2), Perceptron.or(x1, x2))
    }

    /// Truth tables of AND, NAND, OR and XOR over the four inputs.
    public static func run() -> [TruthTable] {
        let gates: [(String, (Int, Int) -> Int)] = [
            ("AND", { Perceptron.and($0, $1) }), ("NAND", { Perceptron.nand($0, $1) }),
            ("OR", { Perceptron.or($0, $1) }), ("XOR", xor),
        ]
        return gates.map { name, gate in
            TruthTable(gate: name, rows: [(0, 0), (1, 0), (0, 1), (1, 1)].map { Row(x1: $0, x2: $1, y: gate($0, $1)) })
        }
    }

    /// The tables as text, one block per gate.
    public static func report(_ tables: [TruthTable]) -> [String] {
        tables.flatMap { table in
            ["\(table.gate):  x1 x2 | y"] + table.rows.map { "      \($0.x1)  \($0.x2) | \($0.y)" }
        }
    }
}
