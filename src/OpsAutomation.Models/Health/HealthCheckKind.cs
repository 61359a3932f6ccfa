namespace OpsAutomation.Models.Health;

/// <summary>How a target is probed: generically, or through a service's own health API.</summary>
public enum HealthCheckKind
{
    /// <summary>An HTTP or HTTPS request with status, body, JSON, header, certificate and response-time conditions.</summary>
    Http,

    /// <summary>A TCP connect to host:port.</summary>
    Tcp,

    /// <summary>Resolution of a host name to at least one address.</summary>
    Dns,

    /// <summary>GET /_cluster/health: green is Healthy, yellow Degraded, red or timed out Unhealthy.</summary>
    Elasticsearch,

    /// <summary>GET /api/status: the overall level (8.x) or state (7.x).</summary>
    Kibana,

    /// <summary>/-/healthy and /-/ready, and optionally the share of scrape targets down.</summary>
    Prometheus,

    /// <summary>GET /api/health: the database must be ok.</summary>
    Grafana,

    /// <summary>/-/healthy and /-/ready.</summary>
    Alertmanager,

    /// <summary>/-/healthy and /-/ready.</summary>
    Pushgateway,

    /// <summary>The API server's /livez and /readyz, through kubeconfig or in-cluster credentials.</summary>
    Kubernetes,

    /// <summary>Deployments, StatefulSets and DaemonSets of a namespace and label selector: one result per workload.</summary>
    KubernetesWorkload,
}
