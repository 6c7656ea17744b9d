// The dashboard's shell: navigation and the hash router.
import { CampaignView, CampaignsView } from './campaigns-view.tsx';
import { LiveView } from './live-view.tsx';
import { PerformanceView } from './performance-view.tsx';
import { useRoute } from './router.ts';
import type { Route } from './router.ts';
import { TrialView } from './trial-view.tsx';

const NAV = [
  ['campaigns', 'Campaigns'],
  ['performance', 'Performance'],
  ['live', 'Live'],
] as const;

function View({ route }: { route: Route }) {
  const [first = 'campaigns', second] = route.segments;
  switch (first) {
    case 'campaigns':
      return second === undefined ? <CampaignsView /> : <CampaignView key={second} id={second} />;
    case 'trial': {
      const campaign = route.query.get('campaign') ?? '';
      const id = route.query.get('id') ?? '';
      return <TrialView key={`${campaign}/${id}`} campaign={campaign} id={id} />;
    }
    case 'performance':
      return <PerformanceView />;
    case 'live':
      return <LiveView />;
    default:
      return (
        <div className="error" role="alert" data-testid="not-found">
          No page at #/{route.segments.join('/')}: try <a href="#/campaigns">the campaigns</a>.
        </div>
      );
  }
}

export function App() {
  const route = useRoute();
  const current = route.segments[0] ?? 'campaigns';
  return (
    <>
      <header>
        <h1>Nooks Lab</h1>
        <nav>
          {NAV.map(([path, label]) => (
            <a
              key={path}
              href={`#/${path}`}
              className={current === path || (path === 'campaigns' && current === 'trial') ? 'active' : ''}
              data-testid={`nav-${path}`}
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <View route={route} />
      </main>
    </>
  );
}
