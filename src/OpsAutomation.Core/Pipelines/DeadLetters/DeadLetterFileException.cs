namespace OpsAutomation.Core.Pipelines.DeadLetters;

/// <summary>What is wrong with a dead-letter file.</summary>
public enum DeadLetterFileProblem
{
    /// <summary>It does not exist (and the caller does not create it).</summary>
    NotFound,

    /// <summary>Another writer (a running pipeline, replay or purge) holds its lock.</summary>
    InUse,

    /// <summary>A line is not a dead letter.</summary>
    Invalid,
}

/// <summary>A dead-letter file that cannot be used; the message names the file, and the line when one is bad.</summary>
public sealed class DeadLetterFileException : Exception
{
    public DeadLetterFileException(string message, string path, DeadLetterFileProblem problem, long? line = null, Exception? inner = null)
        : base(line is { } l ? $"{path}, line {l}: {message}" : message, inner)
    {
        Path = path;
        Problem = problem;
        Line = line;
    }

    public string Path { get; }

    public DeadLetterFileProblem Problem { get; }

    /// <summary>The 1-based line that is not a dead letter, for <see cref="DeadLetterFileProblem.Invalid"/>.</summary>
    public long? Line { get; }
}
