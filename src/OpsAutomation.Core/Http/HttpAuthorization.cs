using System.Net.Http.Headers;
using System.Text;

namespace OpsAutomation.Core.Http;

/// <summary>The Authorization schemes the module sends, built one way for health checks and scrapes alike.</summary>
public static class HttpAuthorization
{
    /// <summary>HTTP basic authentication: base64 of user:password in UTF-8.</summary>
    public static AuthenticationHeaderValue Basic(string userName, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{password}")));

    /// <summary>An Elasticsearch or Kibana API key (the encoded id:key).</summary>
    public static AuthenticationHeaderValue ApiKey(string key) => new("ApiKey", key);

    /// <summary>A bearer token (Grafana service accounts, Kubernetes, proxies).</summary>
    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
