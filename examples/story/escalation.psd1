# The story's escalation policy (Invoke-IncidentEscalation; docs/Invoke-IncidentEscalation.md): an
# incident of the sample service goes to Alertmanager at once, whose routes, silences and
# inhibitions then apply; the story sets ALERTMANAGER_URL from its parameters.
@{
    ReportUrl = 'https://ops.example.com/incidents/{id}'
    Policies  = @(
        @{
            Name    = 'sample'
            Service = 'sample*'
            Levels  = @(
                @{ Delay = '0s'; Channels = @( @{ Type = 'Alertmanager'; Uri = '${ALERTMANAGER_URL}' } ) }
            )
        }
    )
}
