"""A siamese network that says whether two digit images show the same digit, in the style of
pytorch/examples' siamese_network/main.py: a ResNet-style backbone (small, defined here: the
example takes torchvision's resnet18) whose last layer is cut off with
Sequential(*list(children())[:-1]), its features of both images concatenated into a small
head; Xavier-initialised linear layers with biases filled with 0.01; BCE loss; predictions
from torch.where(outputs > 0.5, 1, 0). Plain PyTorch: a test program for `torch` bound to
glassnet."""

import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm, plus the input (He et al. 2016)."""

    def __init__(self, inplanes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self, width=8, num_classes=10):
        super(TinyResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(x, 1))


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.resnet = TinyResNet()
        # grey images: one input channel instead of three
        self.resnet.conv1 = nn.Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1),
                                      bias=False)
        self.fc_in_features = self.resnet.fc.in_features
        self.resnet = torch.nn.Sequential(*(list(self.resnet.children())[:-1]))  # no fc
        self.fc = nn.Sequential(
            nn.Linear(self.fc_in_features * 2, 16),
            nn.ReLU(inplace=True),
            nn.Linear(16, 1),
        )
        self.sigmoid = nn.Sigmoid()
        self.resnet.apply(self.init_weights)
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    def forward_once(self, x):
        output = self.resnet(x)
        return output.view(output.size()[0], -1)

    def forward(self, input1, input2):
        output = torch.cat((self.forward_once(input1), self.forward_once(input2)), 1)
        return self.sigmoid(self.fc(output))


class APP_MATCHER(Dataset):
    """Pairs of images: even indices from one class (target 1), odd from two (target 0)."""

    def __init__(self, images, targets):
        super(APP_MATCHER, self).__init__()
        self.data = images.unsqueeze(1).clone()  # (N, 1, H, W)
        np_arr = np.array(targets.clone())
        self.grouped_examples = {i: np.where(np_arr == i)[0] for i in range(0, 10)}

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        selected_class = random.randint(0, 9)
        group = self.grouped_examples[selected_class]
        image_1 = self.data[group[random.randint(0, group.shape[0] - 1)]].clone().float()
        if index % 2 == 0:
            image_2 = self.data[group[random.randint(0, group.shape[0] - 1)]].clone().float()
            target = torch.tensor(1, dtype=torch.float)
        else:
            other = (selected_class + random.randint(1, 9)) % 10
            group = self.grouped_examples[other]
            image_2 = self.data[group[random.randint(0, group.shape[0] - 1)]].clone().float()
            target = torch.tensor(0, dtype=torch.float)
        return image_1, image_2, target


def test(model, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    criterion = nn.BCELoss()
    with torch.no_grad():
        for (images_1, images_2, targets) in test_loader:
            outputs = model(images_1, images_2).squeeze()
            test_loss += criterion(outputs, targets).sum().item()
            pred = torch.where(outputs > 0.5, 1, 0)
            correct += pred.eq(targets.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct
