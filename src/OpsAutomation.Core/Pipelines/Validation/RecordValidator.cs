using System.Text.Json;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// Validates records against column rules, record expressions and an optional JSON Schema, coercing
/// values in place so later stages get typed values. Thread-safe: workers may share one instance
/// (unique values are shared across them, as they must be).
/// </summary>
/// <remarks>
/// Order: the column rules (coercion first), then the expressions, then the schema, which sees the
/// coerced record, then uniqueness, so only values of records that passed everything are
/// remembered. An expression that reads a field whose type check failed is skipped (its verdict
/// would be noise), and so are schema failures at such a field. A flat schema is checked on the
/// record's values (<see cref="FlatSchemaCheck"/>); otherwise, or when that check cannot tell, the
/// record is written as JSON for the library's Flag output, and evaluated again in detail only
/// when it fails.
/// </remarks>
public sealed class RecordValidator
{
    /// <summary>The longest value text a failure carries.</summary>
    public const int MaxValueLength = 200;

    private readonly JsonSchemaValidator? _schema;
    private readonly ColumnRule[] _columns;
    private readonly RecordExpression[] _expressions;
    private readonly UniqueValues?[] _unique;
    private volatile Binding? _binding;

    public RecordValidator(JsonSchemaValidator? schema, IReadOnlyList<ColumnRule> columns, IReadOnlyList<RecordExpression> expressions, ValidationMode mode)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(expressions);
        _schema = schema;
        _columns = [.. columns];
        _expressions = [.. expressions];
        Mode = mode;
        foreach (var column in _columns) CheckRule(column);
        var duplicate = _columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"the column '{duplicate.Key}' has two rules", nameof(columns));
        _unique = [.. _columns.Select(c => c.Unique ? new UniqueValues() : null)];
    }

    public ValidationMode Mode { get; }

    /// <summary>True when a record's verdict depends on the records validated before it (a Unique column).</summary>
    public bool RemembersValues => Array.Exists(_unique, set => set is not null);

    /// <summary>The columns whose values must be unique.</summary>
    public IReadOnlyList<string> UniqueColumns => [.. _columns.Where(c => c.Unique).Select(c => c.Name)];

    /// <summary>Checks <paramref name="record"/>, coercing its values in place.</summary>
    /// <returns>The failures: empty when the record is valid; at most one in <see cref="ValidationMode.FailFast"/>.</returns>
    /// <exception cref="Configuration.ConfigurationException">The schema has a reference that does not resolve.</exception>
    public IReadOnlyList<ValidationFailure> Validate(DataRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var binding = _binding;
        if (binding is null || !ReferenceEquals(binding.Shape, record.Shape)) _binding = binding = Bind(record.Shape);

        List<ValidationFailure>? failures = null;
        var failFast = Mode == ValidationMode.FailFast;

        for (var c = 0; c < _columns.Length; c++)
        {
            CheckColumn(record, _columns[c], binding.Indexes[c], ref failures);
            if (failFast && failures is not null) return failures;
        }

        foreach (var expression in _expressions)
        {
            CheckExpression(record, expression, null, failures, ref failures);
            if (failFast && failures is not null) return failures;
        }

        if (_schema is not null)
        {
            CheckSchema(record, binding, ref failures, failFast);
            if (failFast && failures is not null) return failures;
        }

        CheckUnique(record, binding, ref failures, failFast);
        return failures ?? (IReadOnlyList<ValidationFailure>)[];
    }

    private void CheckColumn(DataRecord record, ColumnRule rule, int index, ref List<ValidationFailure>? failures)
    {
        if (index < 0)
        {
            if (rule.Required) Add(ref failures, record, rule.Name, "required", null, $"the record has no field '{rule.Name}'");
            return;
        }

        var value = record.Values[index];
        if (rule.Type is { } type)
        {
            if (!ValueCoercion.TryCoerce(value, type, rule.Formats, out var coerced))
            {
                var formats = rule.Formats.Count > 0 ? $" in the format {string.Join(" or ", rule.Formats)}" : "";
                Add(ref failures, record, rule.Name, "type", value, $"'{Text(value)}' is not {ValueCoercion.Describe(type)}{formats}");
                return;
            }
            record.Values[index] = value = coerced;
        }

        if (value is null)
        {
            if (!rule.Nullable) Add(ref failures, record, rule.Name, "nullable", null, "a value is required (the column is not nullable)");
            return;
        }
        var failFast = Mode == ValidationMode.FailFast;

        if (rule.Allowed is { } allowed && !allowed.Contains(value))
        {
            var shown = string.Join(", ", allowed.Take(10).Select(a => ValueCoercion.ToText(a)));
            Add(ref failures, record, rule.Name, "allowed", value, $"'{Text(value)}' is not one of the allowed values: {shown}{(allowed.Count > 10 ? ", ..." : "")}");
            if (failFast) return;
        }

        if (rule.Minimum is not null || rule.Maximum is not null)
        {
            if (value is not IComparable comparable || (rule.Minimum ?? rule.Maximum)!.GetType() != value.GetType())
            {
                Add(ref failures, record, rule.Name, "range", value, $"'{Text(value)}' cannot be compared with the column's range (declare the column's type)");
                if (failFast) return;
            }
            else if (rule.Minimum is { } min && comparable.CompareTo(min) < 0)
            {
                Add(ref failures, record, rule.Name, "range", value, $"{Text(value)} is less than the minimum {Text(min)}");
                if (failFast) return;
            }
            else if (rule.Maximum is { } max && comparable.CompareTo(max) > 0)
            {
                Add(ref failures, record, rule.Name, "range", value, $"{Text(value)} is greater than the maximum {Text(max)}");
                if (failFast) return;
            }
        }

        if (rule.MinLength is not null || rule.MaxLength is not null || rule.Pattern is not null)
        {
            var text = ValueCoercion.ToText(value) ?? "";
            if (rule.MinLength is not null || rule.MaxLength is not null)
            {
                var length = CodePoints(text);
                if (length < rule.MinLength)
                {
                    Add(ref failures, record, rule.Name, "length", value, $"'{Text(value)}' has {length} characters; the minimum is {rule.MinLength}");
                    if (failFast) return;
                }
                else if (length > rule.MaxLength)
                {
                    Add(ref failures, record, rule.Name, "length", value, $"'{Text(value)}' has {length} characters; the maximum is {rule.MaxLength}");
                    if (failFast) return;
                }
            }

            if (rule.Pattern is { } pattern)
            {
                bool matches;
                try
                {
                    matches = pattern.IsMatch(text);
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    Add(ref failures, record, rule.Name, "pattern", value, $"matching the pattern '{pattern}' took longer than {pattern.MatchTimeout.TotalSeconds:0.#} s");
                    return;
                }
                if (!matches)
                {
                    Add(ref failures, record, rule.Name, "pattern", value, $"'{Text(value)}' does not match the pattern '{pattern}'");
                    if (failFast) return;
                }
            }
        }

        if (rule.Expression is { } expression) CheckExpression(record, expression, rule.Name, failures, ref failures);
    }

    private static void CheckExpression(DataRecord record, RecordExpression expression, string? field, List<ValidationFailure>? earlier, ref List<ValidationFailure>? failures)
    {
        // A field that failed its type check holds the raw value: judging it again is noise.
        if (earlier is not null && earlier.Exists(f => f.Rule is "type" or "required" && f.Field is { } name && expression.Fields.Contains(name))) return;
        bool? verdict;
        try
        {
            verdict = expression.Evaluate(record);
        }
        catch (ExpressionEvaluationException ex)
        {
            Add(ref failures, record, field, "expression", ExpressionValues(record, expression), $"'{expression.Text}' cannot be evaluated: {ex.Message}");
            return;
        }
        if (verdict == false)
            Add(ref failures, record, field, "expression", ExpressionValues(record, expression), $"'{expression.Text}' is false");
    }

    private void CheckSchema(DataRecord record, Binding binding, ref List<ValidationFailure>? failures, bool failFast)
    {
        // A flat schema checks the values as they are; the JSON form is written only when it cannot tell or they fail.
        if (_schema!.TryIsValid(record) == true) return;
        using var document = RecordJson.ToDocument(record, binding.DateFields);
        if (_schema.IsValid(document.RootElement)) return;

        var earlier = failures;
        foreach (var violation in _schema.Explain(document.RootElement))
        {
            var field = TopLevelField(violation.InstanceLocation);
            if (field is not null && earlier is not null && earlier.Exists(f => f.Field == field)) continue;
            var value = violation.InstanceLocation.Length == 0 ? null : ValueAt(document.RootElement, violation.InstanceLocation);
            var where = violation.InstanceLocation.Length == 0 || violation.InstanceLocation == "/" + field ? "" : $" (at {violation.InstanceLocation})";
            Add(ref failures, record, field, "schema:" + violation.Keyword, value, violation.Message + where);
            if (failFast) return;
        }
    }

    private void CheckUnique(DataRecord record, Binding binding, ref List<ValidationFailure>? failures, bool failFast)
    {
        var passed = failures is null;
        // The columns whose value this record added, to forget if a later one is a duplicate (a list per record cost 120 bytes).
        Span<bool> added = _columns.Length <= 256 ? stackalloc bool[_columns.Length] : new bool[_columns.Length];
        for (var c = 0; c < _columns.Length; c++)
        {
            if (UniqueValue(record, binding, c) is not { } value) continue;
            var set = _unique[c]!;

            // Remember values only of records that passed everything else; check the rest.
            var duplicate = passed ? !set.Add(value) : set.Contains(value);
            if (!duplicate)
            {
                added[c] = passed;
                continue;
            }
            Add(ref failures, record, _columns[c].Name, "unique", value, $"'{Text(value)}' appeared in an earlier record of this run");
            if (passed)
            {
                // The record fails after all: forget what it added.
                for (var earlier = 0; earlier < c; earlier++)
                {
                    if (added[earlier]) _unique[earlier]!.Remove(UniqueValue(record, binding, earlier)!);
                }
                passed = false;
            }
            if (failFast) return;
        }
    }

    // The value of unique column c as its set holds it; null when the column is not unique or the record has no value for it.
    private object? UniqueValue(DataRecord record, Binding binding, int c)
    {
        if (_unique[c] is null || binding.Indexes[c] < 0 || record.Values[binding.Indexes[c]] is not { } value) return null;
        return value is long or string or double or decimal or bool or DateTimeOffset ? value : ValueCoercion.ToText(value) ?? "";
    }

    private Binding Bind(RecordShape shape)
    {
        var indexes = _columns.Select(c => shape.IndexOf(c.Name)).ToArray();
        bool[]? dateFields = null;
        for (var c = 0; c < _columns.Length; c++)
        {
            if (_columns[c].Type != ColumnType.Date || indexes[c] < 0) continue;
            dateFields ??= new bool[shape.Count];
            dateFields[indexes[c]] = true;
        }
        return new Binding(shape, indexes, dateFields);
    }

    private sealed record Binding(RecordShape Shape, int[] Indexes, bool[]? DateFields);

    private static void CheckRule(ColumnRule rule)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule.Name, nameof(rule));
        foreach (var bound in new[] { rule.Minimum, rule.Maximum })
        {
            if (bound is null) continue;
            if (rule.Type is null || !ValueCoercion.TryCoerce(bound, rule.Type.Value, rule.Formats, out var coerced) || coerced?.GetType() != bound.GetType())
                throw new ArgumentException($"column '{rule.Name}': the range bound {Text(bound)} must be a value of the column's type ({rule.Type?.ToString() ?? "none declared"})", nameof(rule));
        }
    }

    private static void Add(ref List<ValidationFailure>? failures, DataRecord record, string? field, string rule, object? value, string message)
    {
        failures ??= [];
        failures.Add(new ValidationFailure
        {
            Position = record.Position,
            Location = record.Location,
            Field = field,
            Rule = rule,
            Value = value is null ? null : Text(value),
            Message = message,
        });
    }

    /// <summary>The value's text, cut to <see cref="MaxValueLength"/> characters.</summary>
    private static string Text(object? value)
    {
        var text = ValueCoercion.ToText(value) ?? (value is null ? "null" : value.ToString() ?? "");
        return text.Length <= MaxValueLength ? text : text[..(MaxValueLength - 3)] + "...";
    }

    private static string ExpressionValues(DataRecord record, RecordExpression expression) =>
        string.Join(", ", expression.Fields.Select(f => $"{f}={(record.Shape.IndexOf(f) >= 0 ? Text(record[f]) : "(missing)")}"));

    private static int CodePoints(string text)
    {
        var count = text.Length;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c)) count--;
        }
        return count;
    }

    private static string? TopLevelField(string pointer)
    {
        if (pointer.Length < 2) return null;
        var end = pointer.IndexOf('/', 1);
        var segment = end < 0 ? pointer[1..] : pointer[1..end];
        return segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    private static string? ValueAt(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var raw in pointer[1..].Split('/'))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child)) current = child;
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var i) && i < current.GetArrayLength()) current = current[i];
            else return null;
        }
        var text = current.ValueKind == JsonValueKind.String ? current.GetString()! : current.GetRawText();
        return text.Length <= MaxValueLength ? text : text[..(MaxValueLength - 3)] + "...";
    }
}
