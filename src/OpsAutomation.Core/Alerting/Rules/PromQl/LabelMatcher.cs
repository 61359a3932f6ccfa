using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

public enum LabelMatchType { Equal, NotEqual, Regex, NotRegex }

/// <summary>
/// One matcher of a selector: name, operator and value. Regexes are fully anchored as in
/// Prometheus (^(?:value)$, through .NET's Regex with CultureInvariant, non-backtracking as RE2);
/// an invalid one, or one using backreferences or lookarounds, is an ArgumentException at construction. An absent label matches as the empty string.
/// </summary>
public sealed record LabelMatcher
{
    private readonly Regex? _regex;

    public LabelMatcher(string Name, LabelMatchType Type, string Value)
    {
        ArgumentNullException.ThrowIfNull(Name);
        ArgumentNullException.ThrowIfNull(Value);
        this.Name = Name;
        this.Type = Type;
        this.Value = Value;
        if (Type is LabelMatchType.Regex or LabelMatchType.NotRegex)
        {
            // \A and \z: .NET's $ would also match before a final newline, RE2's does not. NonBacktracking
            // is linear like RE2 and refuses what RE2 lacks (backreferences, lookarounds).
            try
            {
                _regex = new Regex(@"\A(?:" + Value + @")\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException ex)
            {
                throw new ArgumentException($"regular expression \"{Value}\" uses a construct RE2 does not have: {ex.Message}", nameof(Value), ex);
            }
        }
    }

    public string Name { get; }

    public LabelMatchType Type { get; }

    public string Value { get; }

    public bool Matches(string? value)
    {
        value ??= "";
        return Type switch
        {
            LabelMatchType.Equal => string.Equals(value, Value, StringComparison.Ordinal),
            LabelMatchType.NotEqual => !string.Equals(value, Value, StringComparison.Ordinal),
            LabelMatchType.Regex => _regex!.IsMatch(value),
            _ => !_regex!.IsMatch(value),
        };
    }

    public void Deconstruct(out string name, out LabelMatchType type, out string value) => (name, type, value) = (Name, Type, Value);

    public bool Equals(LabelMatcher? other) =>
        other is not null && Name == other.Name && Type == other.Type && Value == other.Value;

    public override int GetHashCode() => HashCode.Combine(Name, Type, Value);

    public override string ToString() => Name + Type switch
    {
        LabelMatchType.Equal => "=",
        LabelMatchType.NotEqual => "!=",
        LabelMatchType.Regex => "=~",
        _ => "!~",
    } + LabelSet.Quote(Value);
}
