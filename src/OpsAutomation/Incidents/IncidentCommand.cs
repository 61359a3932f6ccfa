using System.Management.Automation;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;

namespace OpsAutomation.Incidents;

/// <summary>What the incident cmdlets share: the state store they keep incidents in, and their error records.</summary>
public abstract class IncidentCommand : OpsCmdlet
{
    /// <summary>The state directory the incidents are kept in. Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>The incident store of -StatePath; one that cannot open is a terminating StateStoreUnavailable.</summary>
    protected async Task<IncidentStore> OpenIncidentsAsync(CancellationToken cancellationToken)
    {
        var state = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        return new IncidentStore(state, ModuleRuntime.Get().Time, new SecretRedactor());
    }

    /// <summary>Who the timeline names for what a person does at this prompt: user@host.</summary>
    protected static string Actor => IncidentStore.CurrentUser();

    /// <summary>IncidentNotFound (ObjectNotFound): the id and the state store searched.</summary>
    protected static ErrorRecord NotFound(IncidentNotFoundException exception) =>
        ErrorRecords.IncidentNotFound(exception);

    /// <summary>IncidentTransitionInvalid (InvalidOperation): the incident, its state and the one asked for.</summary>
    protected static ErrorRecord Transition(IncidentTransitionException exception) =>
        new(exception, "IncidentTransitionInvalid", ErrorCategory.InvalidOperation, exception.Id);

    /// <summary>
    /// Runs <paramref name="change"/> for incident <paramref name="id"/>; a missing incident, an invalid
    /// transition and a state store failure are each a non-terminating error for this id.
    /// </summary>
    protected async Task<T?> ForIncidentAsync<T>(string id, Func<Task<T>> change) where T : class
    {
        try
        {
            return await change().ConfigureAwait(false);
        }
        catch (IncidentNotFoundException ex)
        {
            WriteError(NotFound(ex));
        }
        catch (IncidentTransitionException ex)
        {
            WriteError(Transition(ex));
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
        return null;
    }
}
