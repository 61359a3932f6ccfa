using System.Collections;
using System.Management.Automation;
using System.Net.Http.Headers;
using System.Text;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Scrapes /metrics endpoints (text format 0.0.4 or OpenMetrics) into typed samples, counter rates and quantiles.</summary>
[Cmdlet(VerbsCommon.Get, "PrometheusMetric", HelpUri = "docs/Get-PrometheusMetric.md")]
[OutputType(typeof(MetricSample), typeof(MetricRate), typeof(MetricQuantile))]
public sealed class GetPrometheusMetricCommand : OpsCmdlet
{
    /// <summary>The endpoints to scrape, such as http://127.0.0.1:9090/metrics.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public Uri[] Uri { get; set; } = [];

    /// <summary>Family names to keep (wildcards). Default all.</summary>
    [Parameter(Position = 1)]
    public string[] Name { get; set; } = ["*"];

    /// <summary>Labels a sample must have, name = value (wildcards in values).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>The limit of one scrape, in seconds, the whole body included. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 10;

    /// <summary>The largest exposition read, in bytes (64MB and the like work); a larger one is ScrapeFailed. Default 64 MiB.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = HttpLimits.Scrape.MaxResponseBytes;

    /// <summary>Retries of a failed request, with exponential backoff and jitter. Default 0.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    /// <summary>Accept any TLS certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Sent with HTTP basic authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>A bearer token by reference: env:NAME, file:PATH or secret:NAME.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BearerToken { get; set; }

    /// <summary>Scrape twice this many seconds apart and write the per-second rate of every counter.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double RateIntervalSec { get; set; }

    /// <summary>Quantiles (0 to 1) to estimate from histograms and read from summaries, such as 0.5,0.95,0.99.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double[]? Quantile { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var scraper = new MetricScraper(runtime.Http, runtime.Pipelines, runtime.Time);
        var options = new ScrapeOptions
        {
            Timeout = TimeSpan.FromSeconds(TimeoutSec), MaxResponseBytes = MaxResponseBytes, RetryCount = RetryCount, SkipCertificateCheck = SkipCertificateCheck,
            Authorization = Authorization(),
        };
        var rates = MyInvocation.BoundParameters.ContainsKey(nameof(RateIntervalSec));
        foreach (var uri in Uri)
        {
            if (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https"))
            {
                WriteError(new ErrorRecord(new ArgumentException($"-Uri '{HttpExchange.DisplayTarget(uri)}' is not an absolute http:// or https:// URL of a /metrics endpoint."),
                    "MetricsUriInvalid", ErrorCategory.InvalidArgument, HttpExchange.DisplayTarget(uri)));
                continue;
            }
            // user:password@ and ?token= stay out of every message; the error's target is the masked URI too.
            var display = HttpExchange.DisplayTarget(uri);
            WriteVerbose($"Scraping {display}");
            try
            {
                var scraped = await scraper.ScrapeAsync(uri, options, cancellationToken).ConfigureAwait(false);
                foreach (var missing in NameSelection.Of(Name, scraped.Select(s => s.Family).Distinct(StringComparer.Ordinal), ignoreCase: true).Missing)
                    WriteError(NameSelection.NotFound(missing, "MetricFamilyNotFound", $"{display} exposes no metric family '{missing}'."));
                var first = Select(scraped);
                if (!rates)
                {
                    if (Quantile is null) WriteObject(first, enumerateCollection: true);
                    else WriteQuantiles(first);
                    continue;
                }
                await Task.Delay(TimeSpan.FromSeconds(RateIntervalSec), runtime.Time, cancellationToken).ConfigureAwait(false);
                var second = Select(await scraper.ScrapeAsync(uri, options, cancellationToken).ConfigureAwait(false));
                WriteObject(MetricDerivations.Rates(first, second).ToList(), enumerateCollection: true);
                if (Quantile is not null) WriteQuantiles([.. MetricDerivations.BucketIncreases(first, second), .. second.Where(s => s.Type == MetricType.Summary)]);
            }
            catch (ExpositionFormatException ex)
            {
                WriteError(new ErrorRecord(new InvalidDataException($"{display}: {ex.Message}", ex), "ExpositionInvalid", ErrorCategory.InvalidData, display));
            }
            catch (ScrapeFailedException ex)
            {
                WriteError(ErrorRecords.Http(ex, "ScrapeFailed", display, cause: ex.InnerException));
            }
        }
    }

    private void WriteQuantiles(IReadOnlyList<MetricSample> samples)
    {
        WriteObject(MetricDerivations.HistogramQuantiles(samples, Quantile!).ToList(), enumerateCollection: true);
        WriteObject(MetricDerivations.SummaryQuantiles(samples, Quantile!).ToList(), enumerateCollection: true);
    }

    /// <summary>The samples whose family matches -Name and whose labels match -Label.</summary>
    private List<MetricSample> Select(IReadOnlyList<MetricSample> samples)
    {
        var names = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        var labels = (Label?.Cast<DictionaryEntry>() ?? [])
            .Select(e => (Name: e.Key.ToString()!, Value: new WildcardPattern(e.Value?.ToString() ?? "", WildcardOptions.None))).ToList();
        return [.. samples.Where(s => names.Any(n => n.IsMatch(s.Family))
            && labels.All(l => s.Labels.TryGetValue(l.Name, out var value) && l.Value.IsMatch(value)))];
    }

    private AuthenticationHeaderValue? Authorization() =>
        AuthorizationParameters.Resolve(Credential, apiKey: null, BearerToken, Secrets(), SessionState.Path.CurrentFileSystemLocation.ProviderPath);
}
