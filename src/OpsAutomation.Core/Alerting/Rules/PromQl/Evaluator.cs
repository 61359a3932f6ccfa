using System.Globalization;
using System.Runtime.InteropServices;
using OpsAutomation.Core.Metrics.Exposition;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

internal readonly record struct Sample(LabelSet Labels, double Value);

/// <summary>An evaluation error with Prometheus's text (many-to-many matching, duplicate label sets).</summary>
internal sealed class PromQlEvaluationException(string message) : Exception(message);

/// <summary>
/// Evaluates a parsed expression at one instant, as Prometheus 2.x does: instant selectors take a
/// series' latest sample within the lookback delta (closed interval) unless it is a stale marker;
/// range selectors take the samples in [t - range, t] without stale markers. One instance per query
/// (it reuses point buffers), so not thread-safe.
/// </summary>
internal sealed class Evaluator(ISeriesSource source, long timeMs, long lookbackMs)
{
    private readonly List<long> _times = [];
    private readonly List<double> _values = [];

    public double EvalScalar(Expr expr) => expr switch
    {
        NumberLiteral number => number.Value,
        ParenExpr paren => EvalScalar(paren.Inner),
        Negation negation => -EvalScalar(negation.Operand),
        Binary binary => ScalarBinary(binary, EvalScalar(binary.Left), EvalScalar(binary.Right)),
        Call { Function: PromQlFunction.Time } => timeMs / 1000.0,
        Call { Function: PromQlFunction.Scalar } call => EvalVector(call.Args[0]) is { Count: 1 } one ? one[0].Value : double.NaN,
        _ => throw new InvalidOperationException($"{expr.GetType().Name} is not a scalar expression"),
    };

    public List<Sample> EvalVector(Expr expr) => expr switch
    {
        ParenExpr paren => EvalVector(paren.Inner),
        VectorSelector selector => SelectInstant(selector),
        Negation negation => Negate(EvalVector(negation.Operand)),
        Call call => EvalCall(call),
        Aggregation aggregation => Aggregate(aggregation, EvalVector(aggregation.Operand)),
        Binary binary => EvalBinary(binary),
        _ => throw new InvalidOperationException($"{expr.GetType().Name} is not an instant vector expression"),
    };

    private List<Sample> SelectInstant(VectorSelector selector)
    {
        var result = new List<Sample>();
        var min = timeMs - lookbackMs;
        foreach (var series in source.Select(selector.Matchers, min, timeMs))
        {
            var index = series.LowerBound(timeMs + 1) - 1;
            if (index < 0 || series.TimestampList[index] < min) continue;
            var value = series.ValueList[index];
            if (SeriesStore.IsStale(value)) continue;
            result.Add(new Sample(series.LabelSet, value));
        }
        return result;
    }

    private static List<Sample> Negate(List<Sample> vector)
    {
        for (var i = 0; i < vector.Count; i++) vector[i] = new Sample(vector[i].Labels.WithoutMetricName(), -vector[i].Value);
        return EnsureUnique(vector);
    }

    private List<Sample> EvalCall(Call call)
    {
        switch (call.Function)
        {
            case PromQlFunction.Vector:
                return [new Sample(LabelSet.Empty, EvalScalar(call.Args[0]))];
            case PromQlFunction.Absent:
                return EvalVector(call.Args[0]).Count > 0 ? [] : [new Sample(AbsentLabels(call.Args[0]), 1)];
            case PromQlFunction.HistogramQuantile:
                return HistogramQuantile(EvalScalar(call.Args[0]), EvalVector(call.Args[1]));
            case PromQlFunction.QuantileOverTime:
                return OverRange(call.Function, (MatrixSelector)call.Args[1], EvalScalar(call.Args[0]));
            case PromQlFunction.Abs:
                return Elementwise(EvalVector(call.Args[0]), Math.Abs);
            case PromQlFunction.Ceil:
                return Elementwise(EvalVector(call.Args[0]), Math.Ceiling);
            case PromQlFunction.Floor:
                return Elementwise(EvalVector(call.Args[0]), Math.Floor);
            case PromQlFunction.Round:
            {
                // Prometheus rounds half up, to a multiple of to_nearest: floor(v / n + 0.5) * n, computed with 1/n as it does.
                var inverse = 1 / EvalScalar(call.Args[1]);
                return Elementwise(EvalVector(call.Args[0]), v => Math.Floor(v * inverse + 0.5) / inverse);
            }
            case PromQlFunction.ClampMin:
            {
                var min = EvalScalar(call.Args[1]);
                return Elementwise(EvalVector(call.Args[0]), v => GoMax(v, min));
            }
            case PromQlFunction.ClampMax:
            {
                var max = EvalScalar(call.Args[1]);
                return Elementwise(EvalVector(call.Args[0]), v => GoMin(v, max));
            }
            case PromQlFunction.Clamp:
            {
                var (min, max) = (EvalScalar(call.Args[1]), EvalScalar(call.Args[2]));
                // As in Prometheus: an empty range clamps to nothing.
                return max < min ? [] : Elementwise(EvalVector(call.Args[0]), v => GoMax(min, GoMin(max, v)));
            }
            default:
                return OverRange(call.Function, (MatrixSelector)call.Args[0], 0);
        }
    }

    /// <summary>A function of each sample's value; the metric name goes, as for every Prometheus function but last_over_time.</summary>
    private static List<Sample> Elementwise(List<Sample> vector, Func<double, double> function)
    {
        for (var i = 0; i < vector.Count; i++) vector[i] = new Sample(vector[i].Labels.WithoutMetricName(), function(vector[i].Value));
        return EnsureUnique(vector);
    }

    // Go's math.Max/Min: NaN wins, unlike a comparison.
    private static double GoMax(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

    private static double GoMin(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b);

    /// <summary>Functions of a range vector: one output per series with samples in the range; the metric name goes, except for last_over_time.</summary>
    private List<Sample> OverRange(PromQlFunction function, MatrixSelector matrix, double parameter)
    {
        var result = new List<Sample>();
        var start = timeMs - matrix.RangeMs;
        foreach (var series in source.Select(matrix.Selector.Matchers, start, timeMs))
        {
            _times.Clear();
            _values.Clear();
            var end = series.LowerBound(timeMs + 1);
            for (var i = series.LowerBound(start); i < end; i++)
            {
                var value = series.ValueList[i];
                if (SeriesStore.IsStale(value)) continue;
                _times.Add(series.TimestampList[i]);
                _values.Add(value);
            }
            if (_values.Count == 0) continue;
            var times = CollectionsMarshal.AsSpan(_times);
            var values = CollectionsMarshal.AsSpan(_values);
            double? output = function switch
            {
                PromQlFunction.Rate => RangeFunctions.ExtrapolatedRate(times, values, start, timeMs, isCounter: true, isRate: true),
                PromQlFunction.Increase => RangeFunctions.ExtrapolatedRate(times, values, start, timeMs, isCounter: true, isRate: false),
                PromQlFunction.Delta => RangeFunctions.ExtrapolatedRate(times, values, start, timeMs, isCounter: false, isRate: false),
                PromQlFunction.Irate => RangeFunctions.InstantRate(times, values),
                PromQlFunction.AvgOverTime => RangeFunctions.Average(values),
                PromQlFunction.MinOverTime => RangeFunctions.Min(values),
                PromQlFunction.MaxOverTime => RangeFunctions.Max(values),
                PromQlFunction.SumOverTime => RangeFunctions.Sum(values),
                PromQlFunction.CountOverTime => values.Length,
                PromQlFunction.LastOverTime => values[^1],
                PromQlFunction.StddevOverTime => Math.Sqrt(RangeFunctions.Variance(values)),
                PromQlFunction.StdvarOverTime => RangeFunctions.Variance(values),
                PromQlFunction.QuantileOverTime => RangeFunctions.Quantile(parameter, values),
                PromQlFunction.PresentOverTime => 1,
                _ => throw new InvalidOperationException($"{function} is not a range function"),
            };
            if (output is not { } v) continue;
            var labels = function == PromQlFunction.LastOverTime ? series.LabelSet : series.LabelSet.WithoutMetricName();
            result.Add(new Sample(labels, v));
        }
        return EnsureUnique(result);
    }

    /// <summary>absent()'s labels: those of the selector's equality matchers, minus any label also matched otherwise.</summary>
    private static LabelSet AbsentLabels(Expr argument)
    {
        if (argument is not VectorSelector selector) return LabelSet.Empty;
        var labels = LabelSet.Empty;
        var dropped = new List<string>();
        foreach (var matcher in selector.Matchers)
        {
            if (matcher.Name == LabelSet.MetricName) continue;
            if (matcher.Type == LabelMatchType.Equal && !labels.Has(matcher.Name)) labels = labels.With(matcher.Name, matcher.Value);
            else dropped.Add(matcher.Name);
        }
        return labels.Drop(dropped);
    }

    /// <summary>Buckets grouped by their labels without le (the metric name included); the result has neither.</summary>
    private static List<Sample> HistogramQuantile(double q, List<Sample> vector)
    {
        var groups = new Dictionary<LabelSet, (LabelSet Labels, List<(double Bound, double Count)> Buckets)>();
        var order = new List<LabelSet>();
        var le = new[] { "le" };
        foreach (var sample in vector)
        {
            if (!TryParseGoFloat(sample.Labels.Get("le"), out var bound)) continue;
            var key = sample.Labels.Drop(le);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = (key.WithoutMetricName(), []);
                order.Add(key);
            }
            group.Buckets.Add((bound, sample.Value));
        }
        var result = new List<Sample>(order.Count);
        foreach (var key in order)
        {
            var (labels, buckets) = groups[key];
            result.Add(new Sample(labels, MetricDerivations.BucketQuantile(q, buckets)));
        }
        return EnsureUnique(result);
    }

    private sealed class Group(LabelSet labels, double value)
    {
        public LabelSet Labels { get; } = labels;
        public double Value { get; set; } = value;
        public double Mean { get; set; } = value;
        public int Count { get; set; } = 1;
    }

    private static List<Sample> Aggregate(Aggregation aggregation, List<Sample> vector)
    {
        var groups = new Dictionary<LabelSet, Group>();
        var order = new List<Group>();
        foreach (var sample in vector)
        {
            var key = aggregation.Without ? sample.Labels.DropWithMetricName(aggregation.Grouping) : sample.Labels.Keep(aggregation.Grouping);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new Group(key, sample.Value);
                order.Add(group);
                continue;
            }
            var v = sample.Value;
            group.Count++;
            switch (aggregation.Operator)
            {
                case AggregateOperator.Sum:
                    group.Value += v;
                    break;
                case AggregateOperator.Min:
                    if (group.Value > v || double.IsNaN(group.Value)) group.Value = v;
                    break;
                case AggregateOperator.Max:
                    if (group.Value < v || double.IsNaN(group.Value)) group.Value = v;
                    break;
                case AggregateOperator.Avg:
                    // Prometheus 2.x's incremental mean, keeping an infinite mean that finite values cannot change.
                    if (double.IsInfinity(group.Mean))
                    {
                        if (double.IsInfinity(v) && (group.Mean > 0) == (v > 0)) break;
                        if (!double.IsInfinity(v) && !double.IsNaN(v)) break;
                    }
                    group.Mean += v / group.Count - group.Mean / group.Count;
                    break;
            }
        }
        var result = new List<Sample>(order.Count);
        foreach (var group in order)
        {
            var value = aggregation.Operator switch
            {
                AggregateOperator.Avg => group.Mean,
                AggregateOperator.Count => group.Count,
                _ => group.Value,
            };
            result.Add(new Sample(group.Labels, value));
        }
        return result;
    }

    private List<Sample> EvalBinary(Binary binary)
    {
        if (binary.Left.Type == PromQlType.Scalar) return VectorScalar(binary, EvalVector(binary.Right), EvalScalar(binary.Left), scalarOnLeft: true);
        if (binary.Right.Type == PromQlType.Scalar) return VectorScalar(binary, EvalVector(binary.Left), EvalScalar(binary.Right), scalarOnLeft: false);
        var left = EvalVector(binary.Left);
        var right = EvalVector(binary.Right);
        return binary.Operator switch
        {
            BinaryOperator.And => And(binary.Matching, left, right),
            BinaryOperator.Or => Or(binary.Matching, left, right),
            BinaryOperator.Unless => Unless(binary.Matching, left, right),
            _ => VectorVector(binary, left, right),
        };
    }

    private static List<Sample> VectorScalar(Binary binary, List<Sample> vector, double scalar, bool scalarOnLeft)
    {
        var result = new List<Sample>(vector.Count);
        var dropName = !binary.IsComparison || binary.ReturnBool;
        foreach (var sample in vector)
        {
            var (l, r) = scalarOnLeft ? (scalar, sample.Value) : (sample.Value, scalar);
            var (value, keep) = Elementwise(binary.Operator, l, r);
            // A comparison keeps the vector's value even when the scalar is on the left.
            if (binary.IsComparison && scalarOnLeft) value = r;
            if (binary.ReturnBool)
            {
                value = keep ? 1 : 0;
                keep = true;
            }
            if (!keep) continue;
            result.Add(new Sample(dropName ? sample.Labels.WithoutMetricName() : sample.Labels, value));
        }
        return EnsureUnique(result);
    }

    private static List<Sample> VectorVector(Binary binary, List<Sample> left, List<Sample> right)
    {
        var matching = binary.Matching;
        var rightBySignature = new Dictionary<LabelSet, Sample>(right.Count);
        foreach (var sample in right)
        {
            var signature = Signature(matching, sample.Labels);
            if (rightBySignature.TryGetValue(signature, out var duplicate))
            {
                throw new PromQlEvaluationException(
                    $"found duplicate series for the match group {signature} on the right hand-side of the operation: [{sample.Labels}, {duplicate.Labels}];"
                    + "many-to-many matching not allowed: matching labels must be unique on one side");
            }
            rightBySignature[signature] = sample;
        }
        var matched = new HashSet<LabelSet>();
        var result = new List<Sample>();
        foreach (var sample in left)
        {
            var signature = Signature(matching, sample.Labels);
            if (!rightBySignature.TryGetValue(signature, out var other)) continue;
            var (value, keep) = Elementwise(binary.Operator, sample.Value, other.Value);
            if (binary.ReturnBool) value = keep ? 1 : 0;
            else if (!keep) continue;
            var labels = sample.Labels;
            if (!binary.IsComparison || binary.ReturnBool) labels = labels.WithoutMetricName();
            labels = matching.On ? labels.Keep(matching.Labels) : labels.Drop(matching.Labels);
            if (!matched.Add(signature))
                throw new PromQlEvaluationException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            result.Add(new Sample(labels, value));
        }
        return EnsureUnique(result);
    }

    private static List<Sample> And(VectorMatching matching, List<Sample> left, List<Sample> right)
    {
        if (left.Count == 0 || right.Count == 0) return [];
        var signatures = Signatures(matching, right);
        return left.FindAll(s => signatures.Contains(Signature(matching, s.Labels)));
    }

    private static List<Sample> Or(VectorMatching matching, List<Sample> left, List<Sample> right)
    {
        var signatures = Signatures(matching, left);
        var result = new List<Sample>(left);
        foreach (var sample in right)
        {
            if (!signatures.Contains(Signature(matching, sample.Labels))) result.Add(sample);
        }
        return result;
    }

    private static List<Sample> Unless(VectorMatching matching, List<Sample> left, List<Sample> right)
    {
        if (right.Count == 0) return left;
        var signatures = Signatures(matching, right);
        return left.FindAll(s => !signatures.Contains(Signature(matching, s.Labels)));
    }

    private static HashSet<LabelSet> Signatures(VectorMatching matching, List<Sample> vector)
    {
        var signatures = new HashSet<LabelSet>(vector.Count);
        foreach (var sample in vector) signatures.Add(Signature(matching, sample.Labels));
        return signatures;
    }

    /// <summary>The labels two sides match on: those of on (...), or all but ignoring (...)'s and the metric name.</summary>
    private static LabelSet Signature(VectorMatching matching, LabelSet labels) =>
        matching.On ? labels.Keep(matching.Labels) : labels.DropWithMetricName(matching.Labels);

    private static double ScalarBinary(Binary binary, double left, double right)
    {
        var (value, keep) = Elementwise(binary.Operator, left, right);
        return binary.IsComparison ? (keep ? 1 : 0) : value;
    }

    /// <summary>Prometheus's vectorElemBinop: arithmetic gives the value, a comparison keeps the left value when true.</summary>
    private static (double Value, bool Keep) Elementwise(BinaryOperator op, double l, double r) => op switch
    {
        BinaryOperator.Add => (l + r, true),
        BinaryOperator.Sub => (l - r, true),
        BinaryOperator.Mul => (l * r, true),
        BinaryOperator.Div => (l / r, true),
        BinaryOperator.Mod => (l % r, true),
        BinaryOperator.Pow => (Math.Pow(l, r), true),
        BinaryOperator.Equal => (l, l == r),
        BinaryOperator.NotEqual => (l, l != r),
        BinaryOperator.Greater => (l, l > r),
        BinaryOperator.Less => (l, l < r),
        BinaryOperator.GreaterEqual => (l, l >= r),
        BinaryOperator.LessEqual => (l, l <= r),
        _ => throw new InvalidOperationException($"{op} is not an element-wise operator"),
    };

    private static List<Sample> EnsureUnique(List<Sample> vector)
    {
        if (vector.Count < 2) return vector;
        var seen = new HashSet<LabelSet>(vector.Count);
        foreach (var sample in vector)
        {
            if (!seen.Add(sample.Labels)) throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
        }
        return vector;
    }

    /// <summary>Go's strconv.ParseFloat for the forms label values take: decimals, exponents, Inf/Infinity and NaN in any case, with a sign.</summary>
    internal static bool TryParseGoFloat(string text, out double value)
    {
        var body = text.AsSpan();
        var negative = body.Length > 0 && body[0] == '-';
        if (body.Length > 0 && body[0] is '+' or '-') body = body[1..];
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        if (body.Length == 0 || !(char.IsAsciiDigit(body[0]) || body[0] == '.'))
        {
            value = 0;
            return false;
        }
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }
}
