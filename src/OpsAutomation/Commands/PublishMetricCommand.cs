using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Pushes the module's registry to a Pushgateway group (PUT or POST), or deletes the group.</summary>
[Cmdlet(VerbsData.Publish, "Metric", HelpUri = "docs/Publish-Metric.md", SupportsShouldProcess = true)]
[OutputType(typeof(MetricPublication))]
public sealed class PublishMetricCommand : OpsCmdlet
{
    /// <summary>The Pushgateway, such as http://pushgateway:9091.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public Uri Uri { get; set; } = null!;

    /// <summary>The group's job label. Default opsautomation.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Job { get; set; } = "opsautomation";

    /// <summary>Labels beside job that name the group, such as @{ instance = 'web-1' }.</summary>
    [Parameter]
    public Hashtable? GroupingKey { get; set; }

    /// <summary>Put (the default) replaces the group, Post replaces metrics of the same names, Delete removes the group.</summary>
    [Parameter]
    public PushGatewayMethod Method { get; set; } = PushGatewayMethod.Put;

    /// <summary>User name and password for basic authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The deadline of each request to the Pushgateway in seconds, answer included. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 10;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var target = PushGatewayTargets.From(Uri, Job, GroupingKey, Credential, TimeoutSec);
        var group = HttpExchange.DisplayTarget(PushgatewayClient.GroupUri(target));
        WriteDebug($"Publish-Metric {Method} {group} as {Credential?.UserName ?? "anonymous"}");
        if (!await ShouldProcessAsync(group, $"{Method.ToString().ToUpperInvariant()} metrics").ConfigureAwait(false)) return;
        var client = new PushgatewayClient(runtime.Http.Get());
        var bytes = 0;
        try
        {
            if (Method == PushGatewayMethod.Delete)
            {
                await client.DeleteAsync(target, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var exposition = await runtime.Metrics.ExportTextAsync(cancellationToken).ConfigureAwait(false);
                bytes = exposition.Length;
                await client.PushAsync(target, exposition, Method == PushGatewayMethod.Post ? PushMethod.Post : PushMethod.Put, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            WriteError(ErrorRecords.Http(ex, "PushGatewayFailed", target.DisplayName));
            return;
        }
        WriteVerbose($"{Method} {group}: {bytes} bytes");
        WriteObject(new MetricPublication
        {
            Uri = group, Job = Job, GroupingKey = target.GroupingKey, Method = Method, Bytes = bytes, Timestamp = runtime.Time.GetUtcNow(),
        });
    }
}

/// <summary>Maps the Pushgateway parameters both push cmdlets share onto a target.</summary>
internal static class PushGatewayTargets
{
    /// <summary>The target; a -Uri that is not an absolute http(s) URL is the terminating error PushGatewayUriInvalid.</summary>
    public static PushgatewayTarget From(Uri uri, string job, IDictionary? groupingKey, PSCredential? credential, double timeoutSec)
    {
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https"))
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"-Uri '{HttpExchange.DisplayTarget(uri)}' is not an absolute http:// or https:// URL of a Pushgateway."),
                "PushGatewayUriInvalid", ErrorCategory.InvalidArgument, HttpExchange.DisplayTarget(uri)));
        }
        return Target(uri, job, groupingKey, credential) with { Timeout = TimeSpan.FromSeconds(timeoutSec) };
    }

    private static PushgatewayTarget Target(Uri uri, string job, IDictionary? groupingKey, PSCredential? credential) => new()
    {
        BaseUri = uri,
        Job = job,
        GroupingKey = (groupingKey ?? new Hashtable()).Cast<DictionaryEntry>()
            .ToDictionary(e => LanguagePrimitives.ConvertTo<string>(e.Key), e => LanguagePrimitives.ConvertTo<string>(e.Value) ?? "", StringComparer.Ordinal),
        UserName = credential?.UserName,
        Password = credential?.GetNetworkCredential().Password,
    };
}
