using System.Management.Automation;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Deletes Pushgateway groups whose last push (push_time_seconds) is older than a given age.</summary>
[Cmdlet(VerbsCommon.Remove, "PushGatewayGroup", HelpUri = "docs/Remove-PushGatewayGroup.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PushGatewayGroup))]
public sealed class RemovePushGatewayGroupCommand : OpsCmdlet
{
    /// <summary>The Pushgateway, such as http://pushgateway:9091.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public Uri Uri { get; set; } = null!;

    /// <summary>Groups last pushed longer ago than this are removed, such as (New-TimeSpan -Hours 1).</summary>
    [Parameter(Mandatory = true)]
    public TimeSpan OlderThan { get; set; }

    /// <summary>Only groups of these jobs (wildcards). Default all.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Job { get; set; } = ["*"];

    /// <summary>User name and password for basic authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The deadline of each request to the Pushgateway in seconds, answer included. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 10;

    /// <summary>Removes without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var access = PushGatewayTargets.From(Uri, "", null, Credential, TimeoutSec);
        var client = new PushgatewayClient(runtime.Http.Get());
        var jobs = Job.Select(j => WildcardPattern.Get(j, WildcardOptions.IgnoreCase)).ToList();
        // -Force skips the prompt, never -WhatIf: the switch and the preference both count.
        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var flag) ? ((SwitchParameter)flag).IsPresent
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        IReadOnlyList<PushgatewayGroupInfo> groups;
        try
        {
            groups = await client.ListGroupsAsync(access, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            WriteError(ErrorRecords.Http(ex, "PushGatewayFailed", access.DisplayName));
            return;
        }
        var now = runtime.Time.GetUtcNow();
        foreach (var group in groups.Where(g => now - g.LastPush > OlderThan && jobs.Any(j => j.IsMatch(g.Job))))
        {
            var target = access with { Job = group.Job, GroupingKey = group.GroupingKey };
            var uri = HttpExchange.DisplayTarget(PushgatewayClient.GroupUri(target));
            var removed = false;
            if (Force && !whatIf || await ShouldProcessAsync(uri, $"Remove group last pushed {group.LastPush:u}").ConfigureAwait(false))
            {
                try
                {
                    await client.DeleteAsync(target, cancellationToken).ConfigureAwait(false);
                    removed = true;
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    WriteError(ErrorRecords.Http(ex, "PushGatewayFailed", uri));
                    continue;
                }
            }
            WriteObject(new PushGatewayGroup
            {
                Job = group.Job, GroupingKey = group.GroupingKey, LastPush = group.LastPush, Age = now - group.LastPush, Removed = removed, Timestamp = now,
            });
        }
    }
}
