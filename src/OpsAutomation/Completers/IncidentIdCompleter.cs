using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;

namespace OpsAutomation.Completers;

/// <summary>Completes incident ids from the state store, newest first (the latest 200).</summary>
public sealed class IncidentIdCompleter : StateNameCompleter
{
    protected override Task<IReadOnlyList<string>> NamesAsync(StateStore store, CancellationToken cancellationToken) =>
        new IncidentStore(store).ListIdsAsync(200, cancellationToken);
}
