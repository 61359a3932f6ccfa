using System.Management.Automation;
using OpsAutomation.Core.Pipelines.DeadLetters;

namespace OpsAutomation.Pipelines;

/// <summary>What the dead-letter cmdlets share: opening a JSON Lines dead-letter file, with its failures as terminating errors.</summary>
internal static class DeadLetterFiles
{
    /// <summary>Opens the file to add, mark and purge letters (holding its lock); <paramref name="create"/> makes a missing one.</summary>
    public static async Task<JsonLinesDeadLetterFile> OpenAsync(string path, bool create, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonLinesDeadLetterFile.OpenAsync(path, create, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Unusable(ex, path) is { } error)
        {
            throw error;
        }
    }

    /// <summary>Opens the file to list letters; a running pipeline may go on writing it.</summary>
    public static JsonLinesDeadLetterFile OpenToRead(string path)
    {
        try
        {
            return JsonLinesDeadLetterFile.OpenReadOnly(path);
        }
        catch (Exception ex) when (Unusable(ex, path) is { } error)
        {
            throw error;
        }
    }

    /// <summary>A dead-letter file that cannot be used as a terminating error naming it; null for any other failure.</summary>
    public static OpsTerminatingException? Unusable(Exception exception, string path) => exception switch
    {
        DeadLetterFileException file => ErrorRecords.Terminating(ErrorRecords.DeadLetterFile(file)),
        IOException or UnauthorizedAccessException => ErrorRecords.Terminating(new ErrorRecord(
            new IOException($"The dead-letter file '{path}' cannot be used: {exception.Message}", exception), "DeadLetterFileUnavailable", ErrorCategory.ResourceUnavailable, path)),
        _ => null,
    };

    /// <summary>-Path with -StatePath: the letters are in one or the other, never both.</summary>
    public static OpsTerminatingException Ambiguous(string path) => ErrorRecords.Terminating(new ErrorRecord(
        new ArgumentException($"-Path '{path}' and -StatePath both say where the dead letters are: give -Path for a JSON Lines dead-letter file, or -StatePath for the state store."),
        "DeadLetterStoreAmbiguous", ErrorCategory.InvalidArgument, path));
}
