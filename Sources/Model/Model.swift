import Sim
