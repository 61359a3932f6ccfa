using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// The checks of one field, in the style of Pandera's Column and Great Expectations' column
/// expectations. Checks run on the coerced value, in this order: required, type, nullable,
/// allowed, range, length, pattern, expression, unique.
/// </summary>
public sealed record ColumnRule
{
    /// <summary>The field name, matched ordinally (case-sensitive) against the record's fields.</summary>
    public required string Name { get; init; }

    /// <summary>The type values are coerced to (the record is rewritten); null keeps values as they come.</summary>
    public ColumnType? Type { get; init; }

    /// <summary>Exact .NET formats for datetime and date columns (invariant culture); empty means ISO 8601.</summary>
    public IReadOnlyList<string> Formats { get; init; } = [];

    /// <summary>Whether null (or, for non-string types, blank text) is allowed. Default true, so a rule about the shape of a value does not also demand one.</summary>
    public bool Nullable { get; init; } = true;

    /// <summary>Whether the record must have the field at all. Default false.</summary>
    public bool Required { get; init; }

    /// <summary>
    /// Whether a value may appear only once in the run. Values are kept in memory, typed:
    /// about 24 bytes per distinct integer, and 60 + 2 × length bytes per distinct string
    /// (10 million 8-character keys: about 0.8 GB). Only values of records that passed every
    /// other check are kept, so a rejected record never makes a later good one a duplicate.
    /// </summary>
    public bool Unique { get; init; }

    /// <summary>The smallest allowed value, of the column's type (long, double, decimal, DateTimeOffset).</summary>
    public IComparable? Minimum { get; init; }

    /// <summary>The largest allowed value, of the column's type.</summary>
    public IComparable? Maximum { get; init; }

    /// <summary>The fewest characters (Unicode code points) of the value's text.</summary>
    public int? MinLength { get; init; }

    /// <summary>The most characters (Unicode code points) of the value's text.</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Must match somewhere in the value's text: <see cref="Regex.IsMatch(string)"/> with the
    /// pattern as written, like JSON Schema's pattern (anchor with ^ and $ for a full match, which
    /// is what Pandera's str_matches does for you).
    /// </summary>
    public Regex? Pattern { get; init; }

    /// <summary>The only values allowed, of the column's type (strings compare ordinally).</summary>
    public IReadOnlySet<object>? Allowed { get; init; }

    /// <summary>A condition over the record whose failures are reported against this field.</summary>
    public RecordExpression? Expression { get; init; }
}
