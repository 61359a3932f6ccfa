namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>A position in one line of exposition text, raising errors located at it.</summary>
internal sealed class LineCursor(string text, int lineNumber)
{
    public string Text { get; } = text;

    public int LineNumber { get; } = lineNumber;

    public int Position { get; set; }

    public bool AtEnd => Position >= Text.Length;

    public char Current => AtEnd ? '\0' : Text[Position];

    public ExpositionFormatException Error(string reason, int? position = null) =>
        new(reason, LineNumber, (position ?? Position) + 1, Text);

    public void SkipBlanks()
    {
        while (!AtEnd && Text[Position] is ' ' or '\t') Position++;
    }

    /// <summary>Characters up to the next blank (or the end).</summary>
    public string ReadToken()
    {
        var start = Position;
        while (!AtEnd && Text[Position] is not (' ' or '\t')) Position++;
        return Text[start..Position];
    }

    public void Expect(char expected, string reason)
    {
        if (Current != expected) throw Error(reason);
        Position++;
    }

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]* for metric names, [a-zA-Z_][a-zA-Z0-9_]* for label names.</summary>
    public string ReadName(bool allowColon, string what)
    {
        var start = Position;
        if (AtEnd || !(char.IsAsciiLetter(Current) || Current == '_' || (allowColon && Current == ':')))
            throw Error($"invalid {what}: it must match {(allowColon ? "[a-zA-Z_:][a-zA-Z0-9_:]*" : "[a-zA-Z_][a-zA-Z0-9_]*")}");
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_' || (allowColon && Current == ':'))) Position++;
        return Text[start..Position];
    }
}
