using System.Globalization;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// A condition over one record, such as <c>ship_date >= order_date and quantity * unit_price &lt;= 100000</c>.
/// A small language on purpose (not PowerShell: a spec file must not run code): field names
/// (<c>`with spaces`</c> in backticks), numbers, 'strings' or "strings", true, false, null,
/// + - * /, == != &lt; &lt;= &gt; &gt;=, and, or, not, parentheses. Parsed once; thread-safe.
/// </summary>
/// <remarks>
/// Values are the coerced ones. Numbers mix freely (long, decimal, double: the wider wins; / always
/// divides exactly); + joins two strings; date - date is a number of days; a date compares with an
/// ISO 8601 string. null follows SQL: arithmetic and comparisons with a null value give null
/// (unknown), <c>x == null</c> and <c>x != null</c> test for it (SQL's IS NULL), and/or/not are
/// three-valued, and a condition that comes out null passes, as a SQL CHECK constraint does
/// (whether a value may be missing is the nullable rule's business).
/// </remarks>
public sealed class RecordExpression
{
    /// <summary>
    /// The deepest syntax tree the parser builds (parentheses, not, unary minus, chains of
    /// operators): compiling and evaluating recurse over the tree, so a deeper one is refused
    /// with a located error instead of overflowing the stack.
    /// </summary>
    public const int MaxDepth = 256;

    private readonly Node _root;
    private volatile Binding? _binding;

    private RecordExpression(string text, Node root, IReadOnlyList<string> fields)
    {
        Text = text;
        _root = root;
        Fields = fields;
    }

    public string Text { get; }

    /// <summary>The fields the expression reads, in order of first use.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Parses an expression whose value may be of any type, such as a Derive transform's <c>quantity * unit_price</c>.</summary>
    /// <exception cref="ExpressionException">The text does not parse; the message names the position.</exception>
    public static RecordExpression ParseValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseValue();
        return new RecordExpression(text, root, parser.Fields);
    }

    /// <exception cref="ExpressionException">The text does not parse; the message names the position.</exception>
    public static RecordExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseCondition();
        return new RecordExpression(text, root, parser.Fields);
    }

    /// <summary>True, false, or null (unknown, which passes) for the record.</summary>
    /// <exception cref="ExpressionEvaluationException">A field is missing, or values of the wrong kinds meet.</exception>
    internal bool? Evaluate(DataRecord record)
    {
        var binding = _binding;
        if (binding is null || !ReferenceEquals(binding.Shape, record.Shape)) _binding = binding = Bind(record.Shape);
        return binding.Evaluate(record.Values) switch
        {
            null => null,
            bool b => b,
            var other => throw new ExpressionEvaluationException($"gave {Describe(other)} {ValueCoercion.ToText(other)}, not true or false"),
        };
    }

    /// <summary>The expression's value for the record, of any type (a Derive transform's new field).</summary>
    /// <exception cref="ExpressionEvaluationException">A field is missing, or values of the wrong kinds meet.</exception>
    internal object? EvaluateValue(DataRecord record) => EvaluateValue(record.Shape, record.Values);

    /// <summary>The value for a record of <paramref name="shape"/> holding <paramref name="values"/> (which may be longer than the shape).</summary>
    internal object? EvaluateValue(RecordShape shape, object?[] values)
    {
        var binding = _binding;
        if (binding is null || !ReferenceEquals(binding.Shape, shape)) _binding = binding = Bind(shape);
        return binding.Evaluate(values);
    }

    public override string ToString() => Text;

    private Binding Bind(RecordShape shape)
    {
        var missing = Fields.Where(f => shape.IndexOf(f) < 0).ToList();
        if (missing.Count > 0)
            return new Binding(shape, _ => throw new ExpressionEvaluationException($"the record has no field {string.Join(", ", missing.Select(m => $"'{m}'"))}"));
        return new Binding(shape, Compile(_root, shape));
    }

    private sealed record Binding(RecordShape Shape, Func<object?[], object?> Evaluate);

    // ---- syntax tree ----

    private abstract record Node(int Position)
    {
        public virtual int Depth => 1;
    }

    private sealed record Literal(int Position, object? Value) : Node(Position);

    private sealed record Field(int Position, string Name) : Node(Position);

    private sealed record Unary(int Position, string Operator, Node Operand) : Node(Position)
    {
        public override int Depth { get; } = Operand.Depth + 1;
    }

    private sealed record Binary(int Position, string Operator, Node Left, Node Right) : Node(Position)
    {
        public override int Depth { get; } = Math.Max(Left.Depth, Right.Depth) + 1;
    }

    // ---- evaluation ----

    private static Func<object?[], object?> Compile(Node node, RecordShape shape)
    {
        switch (node)
        {
            case Literal literal:
                var value = literal.Value;
                return _ => value;
            case Field field:
                var index = shape.IndexOf(field.Name);
                return values => values[index];
            case Unary { Operator: "not" } not:
                var operand = Compile(not.Operand, shape);
                return values => Logic.Not(operand(values));
            case Unary negate:
                var inner = Compile(negate.Operand, shape);
                return values => Arithmetic.Negate(inner(values));
            case Binary { Operator: "and" } and:
                var (al, ar) = (Compile(and.Left, shape), Compile(and.Right, shape));
                return values => Logic.And(al(values), () => ar(values));
            case Binary { Operator: "or" } or:
                var (ol, or2) = (Compile(or.Left, shape), Compile(or.Right, shape));
                return values => Logic.Or(ol(values), () => or2(values));
            case Binary { Operator: "==" or "!=" } isNull when isNull.Left is Literal { Value: null } || isNull.Right is Literal { Value: null }:
                var (nl, nr, equal) = (Compile(isNull.Left, shape), Compile(isNull.Right, shape), isNull.Operator == "==");
                return values => (nl(values) is null && nr(values) is null) == equal;
            case Binary binary:
                var (left, right, op) = (Compile(binary.Left, shape), Compile(binary.Right, shape), binary.Operator);
                return op switch
                {
                    "+" or "-" or "*" or "/" => values => Arithmetic.Apply(op, left(values), right(values)),
                    _ => values => Comparison.Apply(op, left(values), right(values)),
                };
            default:
                throw new InvalidOperationException($"unknown node {node}");
        }
    }

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        string => "the string",
        bool => "the boolean",
        long or double or decimal or int => "the number",
        DateTimeOffset => "the date",
        _ => "the value",
    };

    private static class Logic
    {
        public static object? Not(object? value) => value switch
        {
            null => null,
            bool b => !b,
            _ => throw new ExpressionEvaluationException($"'not' needs true or false, not {Describe(value)} {ValueCoercion.ToText(value)}"),
        };

        public static bool? And(object? left, Func<object?> right)
        {
            var l = AsLogical("and", left);
            if (l == false) return false;
            var r = AsLogical("and", right());
            return r == false ? false : l is null || r is null ? null : true;
        }

        public static bool? Or(object? left, Func<object?> right)
        {
            var l = AsLogical("or", left);
            if (l == true) return true;
            var r = AsLogical("or", right());
            return r == true ? true : l is null || r is null ? null : false;
        }

        private static bool? AsLogical(string op, object? value) => value switch
        {
            null => null,
            bool b => b,
            _ => throw new ExpressionEvaluationException($"'{op}' needs true or false, not {Describe(value)} {ValueCoercion.ToText(value)}"),
        };
    }

    private static class Arithmetic
    {
        public static object? Negate(object? value) => value switch
        {
            null => null,
            long l when l != long.MinValue => -l,
            long l => -(double)l,
            double d => -d,
            decimal m => -m,
            _ => throw new ExpressionEvaluationException($"cannot negate {Describe(value)} {ValueCoercion.ToText(value)}"),
        };

        public static object? Apply(string op, object? left, object? right)
        {
            if (left is null || right is null) return null;
            if (op == "+" && left is string ls && right is string rs) return ls + rs;
            if (op == "-" && left is DateTimeOffset lt && right is DateTimeOffset rt) return (lt - rt).TotalDays;
            if (!IsNumber(left) || !IsNumber(right))
                throw new ExpressionEvaluationException($"cannot apply '{op}' to {Describe(left)} {ValueCoercion.ToText(left)} and {Describe(right)} {ValueCoercion.ToText(right)}");

            if (left is double || right is double)
                return Double(op, Convert.ToDouble(left, CultureInfo.InvariantCulture), Convert.ToDouble(right, CultureInfo.InvariantCulture));
            if (left is decimal || right is decimal || op == "/")
            {
                try
                {
                    return Decimal(op, Convert.ToDecimal(left, CultureInfo.InvariantCulture), Convert.ToDecimal(right, CultureInfo.InvariantCulture));
                }
                catch (OverflowException)
                {
                    return Double(op, Convert.ToDouble(left, CultureInfo.InvariantCulture), Convert.ToDouble(right, CultureInfo.InvariantCulture));
                }
            }
            var (a, b) = ((long)left, (long)right);
            try
            {
                return op switch { "+" => checked(a + b), "-" => checked(a - b), _ => checked(a * b) };
            }
            catch (OverflowException)
            {
                return Double(op, a, b);
            }
        }

        private static double Double(string op, double a, double b) => op switch
        {
            "+" => a + b,
            "-" => a - b,
            "*" => a * b,
            _ => b == 0 ? throw new ExpressionEvaluationException("division by zero") : a / b,
        };

        private static decimal Decimal(string op, decimal a, decimal b) => op switch
        {
            "+" => a + b,
            "-" => a - b,
            "*" => a * b,
            _ => b == 0 ? throw new ExpressionEvaluationException("division by zero") : a / b,
        };
    }

    private static bool IsNumber(object value) => value is long or double or decimal or int;

    private static class Comparison
    {
        public static bool? Apply(string op, object? left, object? right)
        {
            if (left is null || right is null) return null;

            var order = Compare(op, left, right);
            return op switch
            {
                "==" => order == 0,
                "!=" => order != 0,
                "<" => order < 0,
                "<=" => order <= 0,
                ">" => order > 0,
                _ => order >= 0,
            };
        }

        private static int Compare(string op, object left, object right)
        {
            if (IsNumber(left) && IsNumber(right))
            {
                if (left is double || right is double)
                    return Convert.ToDouble(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(right, CultureInfo.InvariantCulture));
                return Convert.ToDecimal(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(right, CultureInfo.InvariantCulture));
            }
            switch (left, right)
            {
                case (string a, string b):
                    return string.CompareOrdinal(a, b);
                case (DateTimeOffset a, DateTimeOffset b):
                    return a.CompareTo(b);
                case (DateTimeOffset a, string b):
                    return a.CompareTo(AsDate(b));
                case (string a, DateTimeOffset b):
                    return AsDate(a).CompareTo(b);
                case (bool a, bool b) when op is "==" or "!=":
                    return a == b ? 0 : 1;
                default:
                    throw new ExpressionEvaluationException(
                        $"cannot compare {Describe(left)} {ValueCoercion.ToText(left)} with {Describe(right)} {ValueCoercion.ToText(right)} using '{op}'");
            }
        }

        private static DateTimeOffset AsDate(string text) =>
            ValueCoercion.TryCoerce(text, ColumnType.DateTime, [], out var parsed) && parsed is DateTimeOffset date
                ? date
                : throw new ExpressionEvaluationException($"'{text}' is not an ISO 8601 date to compare with a date");
    }

    // ---- parsing: precedence climbing over a hand-written tokenizer ----

    private sealed class Parser(string text)
    {
        private readonly List<string> _fields = [];
        private int _index;
        private int _nesting;

        public IReadOnlyList<string> Fields => _fields;

        /// <summary>Any expression: a calculation as well as a condition.</summary>
        public Node ParseValue()
        {
            SkipSpace();
            if (_index >= text.Length) throw Error("the expression is empty", 0);
            var node = ParseOr();
            SkipSpace();
            if (_index < text.Length) throw Error($"unexpected '{Describe()}'; expected an operator, 'and', 'or' or the end", _index);
            return node;
        }

        public Node ParseCondition()
        {
            var node = ParseValue();
            return node is Literal { Value: not (bool or null) } or Binary { Operator: "+" or "-" or "*" or "/" } or Unary { Operator: "-" }
                ? throw Error("the expression must be a condition (true or false), not a calculation", node.Position)
                : node;
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (TryKeyword("or", out var at)) left = Bounded(new Binary(at, "or", left, ParseAnd()));
            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseNot();
            while (TryKeyword("and", out var at)) left = Bounded(new Binary(at, "and", left, ParseNot()));
            return left;
        }

        private Node ParseNot() => TryKeyword("not", out var at) ? Nested(at, () => new Unary(at, "not", ParseNot())) : ParseComparison();

        private Node ParseComparison()
        {
            var left = ParseAdditive();
            SkipSpace();
            foreach (var op in (string[])["==", "!=", "<=", ">=", "<", ">"])
            {
                if (string.CompareOrdinal(text, _index, op, 0, op.Length) != 0) continue;
                var at = _index;
                _index += op.Length;
                var right = ParseAdditive();
                SkipSpace();
                if (_index < text.Length && text[_index] is '<' or '>' or '=' or '!')
                    throw Error("comparisons do not chain; join them with 'and'", _index);
                return Bounded(new Binary(at, op, left, right));
            }
            if (_index < text.Length && text[_index] == '=')
                throw Error("'=' is not an operator; compare with '=='", _index);
            return left;
        }

        private Node ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (TrySymbol('+', '-', out var op, out var at)) left = Bounded(new Binary(at, op, left, ParseMultiplicative()));
            return left;
        }

        private Node ParseMultiplicative()
        {
            var left = ParseUnary();
            while (TrySymbol('*', '/', out var op, out var at)) left = Bounded(new Binary(at, op, left, ParseUnary()));
            return left;
        }

        private Node ParseUnary() => TrySymbol('-', '-', out _, out var at) ? Nested(at, () => new Unary(at, "-", ParseUnary())) : ParsePrimary();

        private Node ParsePrimary()
        {
            SkipSpace();
            if (_index >= text.Length) throw Error("expected a value, found the end", _index);
            var at = _index;
            var c = text[_index];
            if (c == '(')
            {
                _index++;
                var inner = Nested(at, ParseOr);
                SkipSpace();
                if (_index >= text.Length || text[_index] != ')') throw Error($"expected ')' to close the '(' at position {at + 1}", _index);
                _index++;
                return inner;
            }
            if (c is '\'' or '"') return new Literal(at, ReadString(c));
            if (c == '`') return NewField(at, ReadQuotedName());
            if (char.IsAsciiDigit(c) || (c == '.' && _index + 1 < text.Length && char.IsAsciiDigit(text[_index + 1]))) return new Literal(at, ReadNumber());
            if (char.IsLetter(c) || c == '_')
            {
                var word = ReadWord();
                return word.ToLowerInvariant() switch
                {
                    "true" => new Literal(at, true),
                    "false" => new Literal(at, false),
                    "null" => new Literal(at, null),
                    "and" or "or" or "not" => throw Error($"expected a value, found '{word}'", at),
                    _ => NewField(at, word),
                };
            }
            throw Error($"expected a value, found '{Describe()}'", at);
        }

        private Field NewField(int at, string name)
        {
            if (!_fields.Contains(name)) _fields.Add(name);
            return new Field(at, name);
        }

        private string ReadString(char quote)
        {
            var start = _index++;
            var builder = new System.Text.StringBuilder();
            while (_index < text.Length)
            {
                var c = text[_index++];
                if (c != quote)
                {
                    builder.Append(c);
                    continue;
                }
                if (_index < text.Length && text[_index] == quote)
                {
                    builder.Append(quote);
                    _index++;
                    continue;
                }
                return builder.ToString();
            }
            throw Error($"the string has no closing {quote}", start);
        }

        private string ReadQuotedName()
        {
            var start = _index++;
            var end = text.IndexOf('`', _index);
            if (end < 0) throw Error("the field name has no closing `", start);
            var name = text[_index..end];
            if (name.Length == 0) throw Error("the field name is empty", start);
            _index = end + 1;
            return name;
        }

        private object ReadNumber()
        {
            var start = _index;
            while (_index < text.Length && char.IsAsciiDigit(text[_index])) _index++;
            var fraction = _index < text.Length && text[_index] == '.';
            if (fraction)
            {
                _index++;
                while (_index < text.Length && char.IsAsciiDigit(text[_index])) _index++;
            }
            var exponent = _index < text.Length && text[_index] is 'e' or 'E';
            if (exponent)
            {
                _index++;
                if (_index < text.Length && text[_index] is '+' or '-') _index++;
                if (_index >= text.Length || !char.IsAsciiDigit(text[_index])) throw Error("the number's exponent has no digits", start);
                while (_index < text.Length && char.IsAsciiDigit(text[_index])) _index++;
            }
            if (_index < text.Length && (char.IsLetter(text[_index]) || text[_index] == '_'))
                throw Error($"'{text[start..(_index + 1)]}' is not a number", start);

            var literal = text[start.._index];
            if (exponent) return double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!fraction && long.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)) return integer;
            // A fraction stays exact: 0.1 is one tenth, for money.
            return decimal.TryParse(literal, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var exact)
                ? exact
                : throw Error($"the number {literal} is too large", start);
        }

        private string ReadWord()
        {
            var start = _index;
            while (_index < text.Length && (char.IsLetterOrDigit(text[_index]) || text[_index] == '_')) _index++;
            return text[start.._index];
        }

        private bool TryKeyword(string keyword, out int at)
        {
            SkipSpace();
            at = _index;
            var end = _index + keyword.Length;
            if (end > text.Length || string.Compare(text, _index, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
            if (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_')) return false;
            _index = end;
            return true;
        }

        private bool TrySymbol(char first, char second, out string op, out int at)
        {
            SkipSpace();
            at = _index;
            op = "";
            if (_index >= text.Length || (text[_index] != first && text[_index] != second)) return false;
            op = text[_index].ToString();
            _index++;
            return true;
        }

        private void SkipSpace()
        {
            while (_index < text.Length && char.IsWhiteSpace(text[_index])) _index++;
        }

        private string Describe() => _index >= text.Length ? "the end" : text[_index].ToString();

        /// <summary>Parses one level deeper (parentheses, not, unary minus), refusing to go past <see cref="MaxDepth"/>.</summary>
        private Node Nested(int at, Func<Node> parse)
        {
            if (++_nesting > MaxDepth) throw TooDeep(at);
            var node = parse();
            _nesting--;
            return node;
        }

        /// <summary>A chain of operators deepens the tree without nesting the parser: checked as it grows.</summary>
        private Node Bounded(Node node) => node.Depth > MaxDepth ? throw TooDeep(node.Position) : node;

        private ExpressionException TooDeep(int index)
        {
            var line = 1 + text.AsSpan(0, index).Count('\n');
            var column = index - (index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1) + 1;
            return Error($"the expression is nested deeper than {MaxDepth} levels (line {line}, column {column})", index);
        }

        private ExpressionException Error(string message, int index) => new(message, text, index + 1);
    }
}
