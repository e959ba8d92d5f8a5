//! Where a lab's web pages are, as seen from inside the lab: the node, port and path that
//! `mlab open` forwards a host port to.

use crate::lab::{ResolvedLab, Service};

/// The service `mlab open` shows when none is named: the admin router's lab portal.
pub const PORTAL: &str = "portal";

/// A page of the lab: `http://<node's IP>:<port><path>` from inside the lab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// `portal`, or the service's name (`mesos`, `mesos-dns`, `spark`...).
    pub service: String,
    pub title: String,
    pub node: String,
    pub port: u16,
    pub path: String,
}

/// Why a page cannot be shown.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("lab `{lab}` has no admin router, so no portal; name a service instead ({known})")]
    NoPortal { lab: String, known: String },
    #[error("lab `{lab}` has no web page for `{service}`; choose one of: {known}")]
    Unknown { lab: String, service: String, known: String },
}

/// Every page of the lab: the portal first (when there is an admin router), then each service
/// with a web UI or HTTP API. A routed service is reached through the admin router, which also
/// follows the Mesos leader; the others on their first node.
pub fn endpoints(lab: &ResolvedLab) -> Vec<Endpoint> {
    let router = lab.services.iter().find(|s| s.name == "admin-router" && !s.nodes.is_empty());
    let mut pages = Vec::new();
    if let Some(router) = router {
        pages.push(Endpoint { service: PORTAL.into(), title: "Lab portal".into(), node: router.nodes[0].clone(), port: router.port, path: "/".into() });
    }
    for service in lab.services.iter().filter(|s| serves_http(s)) {
        let Some(first) = service.nodes.first() else { continue };
        let page = match (router, &service.route) {
            (Some(router), Some(route)) => {
                Endpoint { service: service.name.clone(), title: service.title.clone(), node: router.nodes[0].clone(), port: router.port, path: route.clone() }
            }
            _ => Endpoint { service: service.name.clone(), title: service.title.clone(), node: first.clone(), port: service.port, path: "/".into() },
        };
        pages.push(page);
    }
    pages
}

/// The page for `service` (the portal when `None`).
pub fn endpoint(lab: &ResolvedLab, service: Option<&str>) -> Result<Endpoint, EndpointError> {
    let pages = endpoints(lab);
    let known = || pages.iter().map(|p| p.service.as_str()).collect::<Vec<_>>().join(", ");
    let wanted = service.unwrap_or(PORTAL);
    if let Some(page) = pages.iter().find(|p| p.service == wanted) {
        return Ok(page.clone());
    }
    if wanted == PORTAL {
        return Err(EndpointError::NoPortal { lab: lab.name.clone(), known: known() });
    }
    Err(EndpointError::Unknown { lab: lab.name.clone(), service: wanted.into(), known: known() })
}

/// Services that answer HTTP: ZooKeeper and the Kafka brokers speak their own protocols, and
/// the admin router itself is the portal.
fn serves_http(service: &Service) -> bool {
    !matches!(service.name.as_str(), "zookeeper" | "kafka-brokers" | "admin-router")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(name: &str) -> ResolvedLab {
        let catalog = crate::provisioners::Provisioners::builtin().catalog().expect("built-in catalog");
        crate::lab::load(&crate::lab::LabLibrary { user_dir: None }, &catalog, name).expect("built-in lab loads").1
    }

    #[test]
    fn the_portal_and_routed_services_go_through_the_admin_router() {
        let lab = lab("mini-cluster");
        let router = lab.services.iter().find(|s| s.name == "admin-router").expect("mini-cluster has an admin router");
        let portal = endpoint(&lab, None).expect("portal");
        assert_eq!((portal.node.as_str(), portal.port, portal.path.as_str()), (router.nodes[0].as_str(), router.port, "/"));
        let mesos = endpoint(&lab, Some("mesos")).expect("mesos");
        assert_eq!((mesos.node.as_str(), mesos.path.as_str()), (router.nodes[0].as_str(), "/mesos/"));
        let dns = endpoint(&lab, Some("mesos-dns")).expect("mesos-dns");
        assert_eq!(dns.path, "/mesos_dns/");
    }

    #[test]
    fn protocols_other_than_http_have_no_page() {
        let lab = lab("mini-cluster");
        for service in ["zookeeper", "admin-router", "nonesuch"] {
            match endpoint(&lab, Some(service)) {
                Err(EndpointError::Unknown { known, .. }) => assert!(known.starts_with("portal, mesos"), "{known}"),
                other => panic!("{service}: {other:?}"),
            }
        }
    }

    #[test]
    fn without_an_admin_router_a_service_is_reached_on_its_own_node() {
        let mut lab = lab("mini-cluster");
        lab.services.retain(|s| s.name != "admin-router");
        assert!(matches!(endpoint(&lab, None), Err(EndpointError::NoPortal { .. })));
        let mesos = endpoint(&lab, Some("mesos")).expect("mesos");
        let masters = &lab.services.iter().find(|s| s.name == "mesos").expect("mesos service").nodes;
        assert_eq!((&mesos.node, mesos.port, mesos.path.as_str()), (&masters[0], 5050, "/"));
    }
}
