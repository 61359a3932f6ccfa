namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>An exposition that breaks its format's rules, located by line and column (both from 1).</summary>
public sealed class ExpositionFormatException : Exception
{
    public ExpositionFormatException(string reason, int line, int column, string text)
        : base($"line {line}, column {column}: {reason}: {Quote(text)}")
    {
        Reason = reason;
        Line = line;
        Column = column;
        Text = text;
    }

    public string Reason { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The offending line, shortened when long.</summary>
    public string Text { get; }

    private static string Quote(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "...");
}
