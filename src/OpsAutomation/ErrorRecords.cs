using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.State;

namespace OpsAutomation;

/// <summary>The error records cmdlets raise, with stable ids that scripts can match with -ErrorId.</summary>
internal static class ErrorRecords
{
    /// <summary>A configuration failure: a bad catalog, setting or parameter, or an unresolved secret.</summary>
    public static ErrorRecord Configuration(ConfigurationException exception, string errorId, object? target) => new(
        exception,
        exception is SecretReferenceException ? "SecretReferenceUnresolved" : errorId,
        exception is SecretReferenceException ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument,
        target);

    public static ErrorRecord StateStore(StateStoreException exception, string path) =>
        new(exception, "StateStoreUnavailable", ErrorCategory.ResourceUnavailable, path);

    public static ErrorRecord DeadLetterFile(DeadLetterFileException exception) => exception.Problem switch
    {
        DeadLetterFileProblem.NotFound => new(exception, "DeadLetterFileNotFound", ErrorCategory.ObjectNotFound, exception.Path),
        DeadLetterFileProblem.InUse => new(exception, "DeadLetterFileInUse", ErrorCategory.ResourceBusy, exception.Path),
        _ => new(exception, "DeadLetterFileInvalid", ErrorCategory.InvalidData, exception.Path),
    };

    /// <summary>
    /// A failed HTTP exchange: OperationTimeout for a passed deadline, LimitsExceeded for a body
    /// over its limit, ConnectionError otherwise. The target should be the redacted address;
    /// <paramref name="cause"/>, when given, decides the category.
    /// </summary>
    public static ErrorRecord Http(Exception exception, string errorId, object? target, Exception? cause = null) => new(
        exception,
        errorId,
        (cause ?? exception) switch
        {
            HttpTimeoutException or TaskCanceledException => ErrorCategory.OperationTimeout,
            HttpResponseTooLargeException => ErrorCategory.LimitsExceeded,
            _ => ErrorCategory.ConnectionError,
        },
        target);

    public static OpsTerminatingException Terminating(ErrorRecord record) => new(record);
}
