using OpsAutomation.Core.Http;

namespace OpsAutomation.Core.Health.Services;

/// <summary>A service whose health is one GET of one API path under its base URL, judged from the answer.</summary>
internal abstract class SingleEndpointProbe : IHealthProbe
{
    private readonly HttpClientProvider _clients;
    private readonly TimeProvider _time;

    protected SingleEndpointProbe(HttpClientProvider clients, TimeProvider time)
    {
        _clients = clients;
        _time = time;
    }

    /// <summary>The health API, relative to the base URL (no leading slash, so a proxy prefix is kept).</summary>
    protected abstract string ApiPath { get; }

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var answer = await HttpAnswer.SendAsync(_clients, check, ServiceApi.Resolve(check, ApiPath), "GET", cancellationToken).ConfigureAwait(false);
        return HttpVerdicts.CheckCertificate(Judge(answer), answer, check.Definition, _time.GetUtcNow());
    }

    /// <summary>The verdict on the service's answer, whatever its status code.</summary>
    protected abstract ProbeOutcome Judge(HttpAnswer answer);
}
