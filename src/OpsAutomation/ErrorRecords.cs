using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.State;

namespace OpsAutomation;

/// <summary>The error records cmdlets raise, with stable ids that scripts can match with -ErrorId.</summary>
internal static class ErrorRecords
{
    /// <summary>
    /// A configuration failure: a bad catalog, setting or parameter (<paramref name="errorId"/>,
    /// InvalidArgument), an unresolved secret (SecretReferenceUnresolved), or a file that is not
    /// there (ObjectNotFound, with the id's "Invalid" read as "NotFound": CatalogNotFound,
    /// PipelineSpecNotFound) whose target is the missing file.
    /// </summary>
    public static ErrorRecord Configuration(ConfigurationException exception, string errorId, object? target) => exception switch
    {
        SecretReferenceException => new(exception, "SecretReferenceUnresolved", ErrorCategory.ObjectNotFound, target),
        ConfigurationFileNotFoundException => new(exception, NotFoundId(errorId), ErrorCategory.ObjectNotFound, exception.Origin),
        _ => new(exception, errorId, ErrorCategory.InvalidArgument, target),
    };

    private static string NotFoundId(string invalidId) =>
        (invalidId.EndsWith("Invalid", StringComparison.Ordinal) ? invalidId[..^"Invalid".Length] : invalidId) + "NotFound";

    public static ErrorRecord StateStore(StateStoreException exception, string path) =>
        new(exception, "StateStoreUnavailable", ErrorCategory.ResourceUnavailable, path);

    /// <summary>IncidentNotFound (ObjectNotFound), the one error of every incident cmdlet for an id no incident has; its target is the id.</summary>
    public static ErrorRecord IncidentNotFound(IncidentNotFoundException exception) =>
        new(exception, "IncidentNotFound", ErrorCategory.ObjectNotFound, exception.Id);

    /// <summary>IncidentNotFound for <paramref name="id"/>, naming the state store file searched when known.</summary>
    public static ErrorRecord IncidentNotFound(string id, string? storePath) => IncidentNotFound(new IncidentNotFoundException(id, storePath));

    /// <summary>A state store that failed after it opened: one ErrorId per kind, so a script can tell a lock from a full disk.</summary>
    public static ErrorRecord StateStoreFailure(StateStoreException exception) => exception.Kind switch
    {
        StateStoreErrorKind.Busy => new(exception, "StateStoreBusy", ErrorCategory.ResourceBusy, exception.Path),
        StateStoreErrorKind.DiskFull => new(exception, "StateStoreFull", ErrorCategory.WriteError, exception.Path),
        StateStoreErrorKind.ReadOnly => new(exception, "StateStoreReadOnly", ErrorCategory.PermissionDenied, exception.Path),
        StateStoreErrorKind.Corrupt => new(exception, "StateStoreCorrupt", ErrorCategory.InvalidData, exception.Path),
        StateStoreErrorKind.Unavailable => new(exception, "StateStoreUnavailable", ErrorCategory.ResourceUnavailable, exception.Path),
        _ => new(exception, "StateStoreFailed", ErrorCategory.WriteError, exception.Path),
    };

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
