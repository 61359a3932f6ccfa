using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Incidents;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>Reads incidents from the state store, newest first: by id (wildcards allowed), state, service, age, or only the open ones.</summary>
[Cmdlet(VerbsCommon.Get, "Incident", HelpUri = "docs/Get-Incident.md")]
[OutputType(typeof(Incident))]
public sealed class GetIncidentCommand : IncidentCommand
{
    /// <summary>Incident ids such as INC-20261207-0003; wildcards (INC-20261207-*) select several. Binds by property name from Id or IncidentId.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(IncidentIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only incidents in this state.</summary>
    [Parameter]
    public IncidentState? State { get; set; }

    /// <summary>Only incidents of this service.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Service { get; set; }

    /// <summary>Only incidents that are not resolved.</summary>
    [Parameter]
    public SwitchParameter Open { get; set; }

    /// <summary>Only incidents opened at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>The newest this many, newest first (the count every history cmdlet calls -Last). Default: all.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenIncidentsAsync(cancellationToken).ConfigureAwait(false);
        var query = new IncidentQuery
        {
            State = State,
            Service = Service,
            Open = Open.IsPresent ? true : null,
            Since = Since is { } since ? new DateTimeOffset(since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(since, DateTimeKind.Local) : since) : null,
            Limit = Last,
        };
        try
        {
            if (Id is null)
            {
                await WriteAllAsync(store, query, cancellationToken).ConfigureAwait(false);
                return;
            }
            foreach (var id in Id)
            {
                var found = await WriteAllAsync(store, query with { Id = id }, cancellationToken).ConfigureAwait(false);
                if (found == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
                {
                    // A plain id that selects nothing: missing, or filtered out by the other parameters.
                    var exists = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not null;
                    if (!exists) WriteError(NotFound(new IncidentNotFoundException(id, store.State.FilePath)));
                }
            }
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
    }

    private async Task<int> WriteAllAsync(IncidentStore store, IncidentQuery query, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var incident in store.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            WriteObject(incident);
            count++;
        }
        return count;
    }
}
